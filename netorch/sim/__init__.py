"""A stateful SSH device simulator (asyncssh) for netorch's deploy tests and benchmark."""
