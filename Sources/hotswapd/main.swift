print("hotswapd")
