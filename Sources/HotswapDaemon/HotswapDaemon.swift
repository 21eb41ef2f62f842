// HotswapDaemon: placeholder until its issue lands.
