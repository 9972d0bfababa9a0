"""Adapters that let other frameworks call replyqa.

In: an index folder built by `replyqa build`. Out: the framework's own objects
(`rag.integrations.langchain.ReplyQARetriever` gives langchain `Document`s whose metadata
is enough to rebuild a citation). Each adapter imports its framework when it is imported,
never before, so the core install does not need any of them.
"""
