from idolguard.interfaces.cli.main import main

main()
