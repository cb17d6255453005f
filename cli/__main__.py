from replaybed.main import main

main()
