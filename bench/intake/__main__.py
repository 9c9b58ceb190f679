from bench.intake.run import main

main()
