"""A local, protocol-faithful fake of AssemblyAI (pre-recorded v2 over HTTP, streaming
v3 over WebSocket) on one aiohttp server, with fault injection and request counts.

    with FakeAssemblyAI(api_key="test-key") as fake:
        client = AssemblyAIClient(api_key="test-key", base_url=fake.url)
        ...
        assert fake.state.counts["upload"] == 1
"""

from .server import FakeAssemblyAI

__all__ = ("FakeAssemblyAI",)
