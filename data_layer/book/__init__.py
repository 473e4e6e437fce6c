"""The Book of Learning: post-mortems and their workflow, drafts, search and templates."""
