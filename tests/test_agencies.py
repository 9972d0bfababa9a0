"""Tests for rag.letters.agencies: canonical names, aliases, places and the extensible table."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.letters.agencies import (
    aliases_of,
    canonical_agency,
    default_table,
    load_agency_table,
    place_of,
    split_place,
)

CQ = "重庆市"


@pytest.mark.parametrize(
    ("name", "place", "canonical"),
    [
        ("市人力社保局", CQ, "重庆市人力资源和社会保障局"),
        ("市人力资源社会保障局", CQ, "重庆市人力资源和社会保障局"),
        ("人社局", None, "人力资源和社会保障局"),
        ("重庆市人力资源和社会保障局", None, "重庆市人力资源和社会保障局"),
        ("市经信委", CQ, "重庆市经济和信息化委员会"),
        ("市经济信息委", CQ, "重庆市经济和信息化委员会"),
        ("省工信委", "云南省", "云南省工业和信息化委员会"),  # the name before the 2018 reform
        ("经济信息委", None, "经济和信息化委员会"),
        ("市发改委", CQ, "重庆市发展和改革委员会"),
        ("市发展改革委", CQ, "重庆市发展和改革委员会"),
        ("市住建委", CQ, "重庆市住房和城乡建设委员会"),
        ("市住房城乡建委", CQ, "重庆市住房和城乡建设委员会"),
        ("市教委", CQ, "重庆市教育委员会"),
        ("区卫健委", "重庆市綦江区", "重庆市綦江区卫生健康委员会"),
        ("市大数据局", CQ, "重庆市大数据应用发展管理局"),
        ("市大数据发展局", CQ, "重庆市大数据应用发展管理局"),
        ("区交通局", "重庆市长寿区", "重庆市长寿区交通运输局"),
        ("市交通运输委", CQ, "重庆市交通运输局"),
        ("市文旅委", CQ, "重庆市文化和旅游发展委员会"),
        ("市文化旅游委", CQ, "重庆市文化和旅游发展委员会"),
        ("区市场监管局", "重庆市渝中区", "重庆市渝中区市场监督管理局"),
        ("区城管局", "南京市溧水区", "南京市溧水区城市管理局"),
        ("市规划自然资源局", CQ, "重庆市规划和自然资源局"),
        ("市农业农村委", CQ, "重庆市农业农村委员会"),
        ("市商务委", CQ, "重庆市商务委员会"),
        ("市科技局", CQ, "重庆市科学技术局"),
        ("县环境保护局", "阜新市阜蒙县", "阜新市阜蒙县生态环境局"),  # old name
        ("区生态环境局", "重庆市开州区", "重庆市开州区生态环境局"),
        ("市财政局", "重庆市江津区", "重庆市财政局"),  # 市 in a district letter: the city
        ("区水利局", "重庆市巴南区", "重庆市巴南区水利局"),
        ("沙坪坝区公安分局", CQ, "重庆市公安局沙坪坝区分局"),
        ("重庆市公安局沙坪坝区分局", None, "重庆市公安局沙坪坝区分局"),
        ("渝中区商务委", CQ, "重庆市渝中区商务委员会"),
        ("县农科局", "屏边县", "屏边县农业农村和科学技术局"),
        ("科技厅", "四川省", "科学技术厅"),  # no prefix: the level is unknown, no place added
    ],
)
def test_canonical_agency(name: str, place: str | None, canonical: str) -> None:
    assert canonical_agency(name, place) == canonical


@pytest.mark.parametrize("name", ["", "你好", "政务公开", "首页"])
def test_non_agencies_have_no_canonical(name: str) -> None:
    assert canonical_agency(name) is None


def test_one_canonical_for_every_spelling() -> None:
    spellings = [
        "市人力社保局",
        "市人力资源社会保障局",
        "重庆市人社局",
        "重庆市人力资源和社会保障局",
    ]
    assert {canonical_agency(s, CQ) for s in spellings} == {"重庆市人力资源和社会保障局"}


@pytest.mark.parametrize(
    ("canonical", "place"),
    [
        ("重庆市经济和信息化委员会", CQ),
        ("重庆市江津区民政局", "重庆市江津区"),
        ("重庆市公安局沙坪坝区分局", "重庆市沙坪坝区"),
        ("重庆市巴南区圣灯山镇人民政府", "重庆市巴南区圣灯山镇"),
        ("黄石市商务局", "黄石市"),
    ],
)
def test_aliases_map_back_to_the_canonical(canonical: str, place: str) -> None:
    aliases = aliases_of(canonical)
    assert aliases[0] == canonical
    for alias in aliases:
        assert canonical_agency(alias, place) == canonical_agency(canonical, place), alias


def test_aliases_keep_a_place_and_skip_generic_forms() -> None:
    assert "市经济信息委" in aliases_of("重庆市经济和信息化委员会")
    assert "区公安分局" in aliases_of("重庆市公安局沙坪坝区分局")
    town = aliases_of("重庆市巴南区圣灯山镇人民政府")
    assert "巴南区圣灯山镇" in town
    assert "圣灯山镇" not in town  # the town's name, not its government
    assert "镇政府" not in town and "镇人民政府" not in town
    assert "县农科局" in aliases_of("屏边县农业农村和科学技术局")


@pytest.mark.parametrize(
    ("agency", "place"),
    [
        ("重庆市江津区民政局", "重庆市江津区"),
        ("重庆市巴南区圣灯山镇人民政府", "重庆市巴南区圣灯山镇"),
        ("上海市普陀区绿化和市容管理局", "上海市普陀区"),
        ("衢州市衢江区教育局", "衢州市衢江区"),
        ("重庆市开州区生态环境局", "重庆市开州区"),
        ("广州市人力资源和社会保障局", "广州市"),
        ("重庆市公安局沙坪坝区分局", "重庆市沙坪坝区"),
        ("城口县工业园区管理委员会", "城口县"),
        ("魏县农业农村局", "魏县"),
        ("市水利局", None),
        ("科技厅", None),
    ],
)
def test_place_of(agency: str, place: str | None) -> None:
    assert place_of(agency) == place


def test_split_place_uses_known_cores() -> None:
    # 区城市管理局 must not be read as the place 区城市.
    assert split_place("区城市管理局") == (["区"], "城市管理局")
    assert split_place("重庆市江津区民政局") == (["重庆市", "江津区"], "民政局")


def test_extra_table_extends_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "extra.tsv"
    # Made-up short form for a made-up body.
    extra.write_text("# comment\n样例办\t样例事务管理办公室\n\n人社局\t人社测试局\n", "utf-8")
    table = load_agency_table(extra)
    assert canonical_agency("市样例办", CQ, table) == "重庆市样例事务管理办公室"
    assert canonical_agency("人社局", None, table) == "人社测试局"
    assert canonical_agency("人社局") == "人力资源和社会保障局"  # the default table is untouched
    assert "市样例办" in aliases_of("重庆市样例事务管理办公室", table)


def test_bundled_table_is_consistent() -> None:
    table = default_table()
    for alias, canonical in table.canonical.items():
        assert alias and canonical and "\t" not in alias
        assert table.canonical[canonical] == canonical, alias  # canonicals map to themselves


def test_an_extra_table_from_the_environment_extends_the_bundled_one(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rag.letters import agencies

    extra = tmp_path / "extra.tsv"
    extra.write_text("# made-up alias for a test\n示例办\t示例事务管理办公室\n", encoding="utf-8")
    monkeypatch.setenv("REPLYQA_AGENCY_TABLE", str(extra))
    agencies.default_table.cache_clear()
    try:
        assert agencies.default_table().core_of("示例办") == "示例事务管理办公室"
        assert agencies.default_table().core_of("人社局") == "人力资源和社会保障局"
    finally:
        monkeypatch.delenv("REPLYQA_AGENCY_TABLE")
        agencies.default_table.cache_clear()


@pytest.mark.parametrize(
    ("place", "short"),
    [
        ("示例彝族自治县", "示例"),
        ("示例土家族苗族自治州", "示例"),
        ("綦江区", "綦江"),
        ("城区", "城区"),
    ],
)
def test_short_place_drops_an_autonomous_places_peoples(place: str, short: str) -> None:
    from rag.letters.agencies import short_place

    assert short_place(place) == short


def test_a_county_written_without_its_peoples_is_the_autonomous_countys_bureau(tmp_path: Path) -> None:
    from rag.answer.frame import Body
    from rag.answer.gate import Constraint, Gate
    from rag.types import Letter, LetterFields

    body = Body(name="示例县教育局", core="教育局", places=("示例县",), level="县", sender=True)
    letter = Letter("x", "x.txt", "【示例】虚构。我局已答复。", LetterFields(agency="示例彝族自治县教育局"))
    gate = Gate.__new__(Gate)
    assert gate.meets(Constraint("sender", "教育局", body.name, body), letter)
