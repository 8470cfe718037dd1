from draftmock.cli import main

raise SystemExit(main())
