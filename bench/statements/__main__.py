from bench.statements.run import main

main()
