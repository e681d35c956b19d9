"""``grpc``: the standard health-checking protocol (``grpc.health.v1.Health/Check``), plaintext
like the kubelet's gRPC probe. grpcio is an optional extra, imported only here."""
from __future__ import annotations

import time

from probelint.measure.clients import ClientError, Outcome
from probelint.measure.target import Target

INSTALL_HINT = "grpc:// needs the gRPC extra: pip install 'probelint[grpc]'"


def _modules():
    try:
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc
    except ImportError as err:
        raise ClientError(f"{INSTALL_HINT} ({err})") from None
    return grpc, health_pb2, health_pb2_grpc


class GrpcClient:
    """A new channel per probe (the kubelet dials every time), or one per worker with keep_alive."""

    def __init__(self, target: Target, timeout: float, keep_alive: bool = False) -> None:
        self.grpc, self.pb2, self.pb2_grpc = _modules()
        self.target, self.timeout, self.keep_alive = target, timeout, keep_alive
        host = f"[{target.host}]" if ":" in target.host else target.host
        self.address = f"{host}:{target.port}"
        self._channel = None

    def probe(self) -> Outcome:
        grpc = self.grpc
        start = time.perf_counter()
        if self._channel is None:
            # No connection sharing between channels: each new channel really dials.
            self._channel = grpc.insecure_channel(self.address, options=[("grpc.use_local_subchannel_pool", 1)])
        try:
            reply = self.pb2_grpc.HealthStub(self._channel).Check(
                self.pb2.HealthCheckRequest(service=self.target.path), timeout=self.timeout)
            status = self.pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            error = None if status == "SERVING" else f"grpc status {status}"
        except grpc.RpcError as err:
            code = err.code()
            error = "timeout" if code == grpc.StatusCode.DEADLINE_EXCEEDED else f"grpc {code.name}"
        elapsed = time.perf_counter() - start
        if not self.keep_alive:
            self.close()
        if error is None and elapsed > self.timeout:
            error = "timeout"
        return Outcome(elapsed, error)

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
