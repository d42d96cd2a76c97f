from walkrag.cli import main

main()
