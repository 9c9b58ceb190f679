from bench.portal.run import main

main()
