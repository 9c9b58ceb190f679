from bench.consumers.run import main

main()
