"""``python -m jengine`` runs the command line."""

from jengine.cli import main

raise SystemExit(main())
