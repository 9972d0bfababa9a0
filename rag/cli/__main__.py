"""`python -m rag.cli …`: the `replyqa` command without the console script."""

from rag.cli import main

main()
