from erpsim.cli import main

raise SystemExit(main())
