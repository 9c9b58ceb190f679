"""What the benchmark families share: the stack (databases, topics, `tiepdan serve`
processes), CPU accounting, timing, realistic payloads, and where results go."""
