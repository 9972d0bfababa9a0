"""The `replyqa` command line: one group, each subcommand in a module of its own.

  build, letters      rag.cli.index      a folder of letters -> an index folder; its records
  search              rag.cli.search     a question -> ranked passages
  ask, chat           rag.cli.qa         a question -> an answer with citations
  eval, eval-fields   rag.cli.evaluate   figures over a question set / gold fields
  serve               (plugin)           `ui.serve`, registered under `replyqa.commands`

Plain text by default, `--json` for machines (the JSON shapes are a contract other
tools rely on; see README). Errors are one line on stderr (`rag.cli.common`).
"""

from __future__ import annotations

from typing import Any

import click

from rag.cli.common import fail
from rag.cli.evaluate import eval_, eval_fields
from rag.cli.index import build, letters
from rag.cli.qa import ask, chat
from rag.cli.search import search


class PluginGroup(click.Group):
    """The `replyqa` group, extended by commands other packages register under the
    `replyqa.commands` entry point (the web server lives in `ui`, which the library never
    imports). Plugins load only when listed or invoked."""

    def _plugins(self) -> dict[str, Any]:
        from importlib.metadata import entry_points

        return {ep.name: ep for ep in entry_points(group="replyqa.commands")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugins()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in (plugins := self._plugins()):
            try:
                command = plugins[cmd_name].load()
            except ImportError as exc:
                fail(
                    f"command {cmd_name!r} is not available ({exc}); reinstall replyqa with its extras"
                )
        return command


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="replyqa")
def main() -> None:
    """Question answering with exact citations over government reply letters (建议提案复函)."""




for _command in (build, letters, search, ask, chat, eval_, eval_fields):
    main.add_command(_command)
