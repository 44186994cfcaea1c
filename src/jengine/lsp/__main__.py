"""``python -m jengine.lsp`` starts the language server over stdio."""

from jengine.lsp import main

raise SystemExit(main())
