"""The lexicon-aware tokenizer and query analysis."""

from __future__ import annotations

from rag.search.lexicon import default_tokenizer, normalize
from rag.search.query import analyze, number_key


def test_numbers_stay_whole_and_leading_zeros_do_not_matter() -> None:
    tok = default_tokenizer()
    doc = tok.tokenize("渝经信复函〔2020〕300号")
    assert "2020〔300" in doc and "no300" in doc
    assert "no310" in tok.tokenize("第0310号提案") and "no310" in tok.tokenize("第310号")
    assert "310" in tok.tokenize("(第0310号)")


def test_agency_abbreviations_share_a_concept_token() -> None:
    tok = default_tokenizer()
    concepts = [
        {t for t in tok.tokenize(name) if t.startswith("机构:")}
        for name in ("市经信委", "市经济信息委", "重庆市经济和信息化委员会", "經濟和信息化委員會")
    ]
    assert concepts[0] and all(c == concepts[0] for c in concepts)
    assert {t for t in tok.tokenize("人社局") if t.startswith("机构:")} == {
        t for t in tok.tokenize("市人力社保局") if t.startswith("机构:")
    }


def test_paraphrases_share_a_concept_token() -> None:
    tok = default_tokenizer()
    a = {t for t in tok.tokenize("老楼装电梯") if ":" in t}
    b = {t for t in tok.tokenize("既有住宅增设电梯") if ":" in t}
    assert a & b


def test_english_questions_are_translated_for_the_lexical_side() -> None:
    tok = default_tokenizer()
    tokens = tok.query_tokens("Which agencies support the talent policy?")
    assert "人才" in tokens
    assert tok.translate("what is the document number") and "文号" in tok.translate(
        "document number"
    )
    # Money put in, in the words reply letters use (投入资金), and a span of years.
    assert {"投入", "近年来"} <= set(tok.translate("How much was invested in recent years").split())


def test_traditional_and_full_width_text_is_normalised() -> None:
    assert normalize("臺灣ＡＢＣ２０２０") == "台湾abc2020"


def test_query_analysis_reads_numbers_agencies_places_and_intent() -> None:
    info = analyze("市经信委对第0310号提案的复函是谁审签的?")
    assert info.numbers == ["310"] and info.kind == "提案" and "signer" in info.intents
    assert info.agencies == ["经济和信息化委员会"]
    info = analyze("渝经信复函〔2020〕300号是哪个单位发出的?")
    assert info.doc_numbers == ["2020〔300"] and info.numbers == [] and "agency" in info.intents
    info = analyze("江津区民政局关于老年食堂的答复")
    assert info.places == ["江津区"] and info.agencies == ["民政局"]
    assert analyze("哪些部门支持人才政策?").enumeration
    assert not analyze("文号和日期分别是什么?").enumeration
    assert analyze("Which agencies answered proposal No. 0201?").english
    assert analyze("Which agencies answered proposal No. 0201?").numbers == ["201"]
    assert number_key("DH370") == "dh370" and number_key("0048") == "48"


def test_a_question_that_asks_for_several_letters_is_told_from_one_letters_list() -> None:
    # Made-up questions. A list of letters, with or without 哪些 …
    assert analyze("哪些答复涉及农村公路?").lists_letters
    assert analyze("各地对垃圾分类是怎么答复的").lists_letters
    assert analyze("Which cities replied about night markets?").lists_letters
    # … not a list inside one letter, nor a place's own body (各区县 is several, 区委 one).
    assert not analyze("这封复函还会同了哪些单位?").lists_letters
    assert not analyze("第0123号提案的复函会同了哪些单位?").lists_letters
    assert not analyze("市教委对幼儿园学位怎么答复的?").lists_letters


def test_question_frame_words_are_not_topic_tokens() -> None:
    tok = default_tokenizer()
    # 各自由谁审签: 各自 / 由谁, not 各 / 自由 / 谁 — and neither is a topic.
    assert tok.query_tokens("各自由谁审签?") == ["审签", "同义:签发"]
    assert "自由" not in tok.tokenize("各自由谁审签")
    frame = set(tok.query_tokens("最后是哪些单位一起换了多少块标志?"))
    assert {"标志", "换"} <= frame and not frame & {"最后", "一起", "块", "多少块"}
    # Topic words that merely contain a frame word's characters are kept.
    assert "自由贸易试验区" in tok.query_tokens("自由贸易试验区有哪些政策")
    assert "过街" in tok.query_tokens("过街天桥")


def test_a_phrase_ending_in_a_level_word_is_not_a_place() -> None:
    assert analyze("“全国首个跨省税费征管服务中心”在哪几封答复里出现过?").places == []
    assert analyze("重庆市江津区民政局的答复").places == ["重庆市", "江津区"]
