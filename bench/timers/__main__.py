from bench.timers.run import main

main()
