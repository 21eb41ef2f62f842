print("hotswapctl")
