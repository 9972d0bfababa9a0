"""replyqa inside a langchain (LCEL) chain: retriever → prompt → chat model → text.

    python examples/langchain_chain.py --index .replyqa/demo "哪些部门支持人才政策？"

The chat model is langchain-core's fake one (a fixed reply: this runs offline, with no
model at all) unless `OPENAI_BASE_URL` names an OpenAI-compatible server (vLLM, llama.cpp's
server, Ollama, or `replyqa serve`'s own /v1): then `ChatOpenAI` with `--model` (key from
`OPENAI_API_KEY`, any value for a local server). Either way the passages reach the prompt
under keys [1]..[n], and the sources are printed from the Documents' metadata alone.
Needs `pip install 'replyqa[langchain]'`.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from rag.integrations.langchain import ReplyQARetriever

PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "只根据<passage>中的复函内容回答，每句话后用[n]标注出处；复函没有答案时说“没有找到”。",
        ),
        ("human", "{passages}\n\n问题：{question}"),
    ]
)


def passages(docs: list[Document]) -> str:
    """The retrieved passages under keys [1]..[n], each with the letter's title and 文号."""
    return "\n\n".join(
        f'<passage key="[{i}]">{d.metadata["title"] or ""} {d.metadata["doc_number"] or ""}\n'
        f"{d.page_content}</passage>"
        for i, d in enumerate(docs, 1)
    )


def chat_model(model: str) -> BaseChatModel:
    """ChatOpenAI when OPENAI_BASE_URL is set, else langchain-core's fake chat model."""
    base_url = os.environ.get("OPENAI_BASE_URL")
    if base_url:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=model, base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY", "none")
        )
    return FakeListChatModel(responses=["（示例：未接入模型，这是假模型的固定回复。）"])


def make_chain(retriever: ReplyQARetriever, model: BaseChatModel) -> Any:
    """question → {answer, docs}: the documents are kept beside the model's answer."""
    answer = (
        RunnableLambda(lambda x: {"passages": passages(x["docs"]), "question": x["question"]})
        | PROMPT
        | model
        | StrOutputParser()
    )
    return {"docs": retriever, "question": RunnablePassthrough()} | RunnablePassthrough.assign(
        answer=answer
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question")
    parser.add_argument("--index", required=True, help="index folder (replyqa build)")
    parser.add_argument("-k", type=int, default=4, help="passages in the prompt")
    parser.add_argument("--agency", help="only letters from this agency")
    parser.add_argument("--model", default="replyqa", help="model name for ChatOpenAI")
    args = parser.parse_args(argv)
    retriever = ReplyQARetriever(index=args.index, k=args.k, agency=args.agency)
    out = make_chain(retriever, chat_model(args.model)).invoke(args.question)
    print(out["answer"])
    print("来源：")
    for i, d in enumerate(out["docs"], 1):
        m = d.metadata
        print(f"  [{i}] {m['title']} {m['doc_number']} — {m['source']} [{m['start']}:{m['end']}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
