"""Grid Engine's hosts and cluster queues as nodes and partitions. Pure: text in, models out.

Nodes come from ``qhost -q -F slots -xml``: host values, the host's own slot limit (a consumable
``slots`` in its complex_values, shown as what is left), and each queue instance on the host with
its slots and state letters. Queue limits come from ``qconf -sq '*'``, the configuration of every
cluster queue one after another. Slots count as CPUs; memory in use counts as allocated memory
(Grid Engine books none unless a site makes memory consumable).
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from ..models import Node, Partition
from .sge_parse import NO_VALUE, parse_duration, parse_memory_mb, parse_xml

log = logging.getLogger(__name__)

QHOST_ARGV: tuple[str, ...] = ("qhost", "-q", "-F", "slots", "-xml")
QUEUES_ARGV: tuple[str, ...] = ("qconf", "-sq", "*")


# ---- nodes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueInstance:
    """One cluster queue on one host, as qhost -q shows it."""

    queue: str
    host: str
    slots: int
    slots_used: int
    states: str  # Grid Engine's letters: d(isabled), u(nknown), E(rror), s(uspended), a(larm)...

    @property
    def usable(self) -> bool:
        return not any(c in self.states for c in "dDuEsSCco")


@dataclass
class HostRecord:
    """A host from qhost with its queue instances, before it becomes a Node."""

    name: str
    values: dict[str, str]
    slot_limit_free: float | None
    queues: list[QueueInstance]


def _host(element: ET.Element) -> HostRecord:
    name = element.get("name", "")
    values = {v.get("name", ""): (v.text or "").strip() for v in element.findall("hostvalue")}
    free = None
    for resource in element.findall("resourcevalue"):
        if resource.get("name") == "slots":
            free = float((resource.text or "0").strip())
    queues = []
    for queue in element.findall("queue"):
        qv = {v.get("name", ""): (v.text or "").strip() for v in queue.findall("queuevalue")}
        queues.append(
            QueueInstance(
                queue=queue.get("name", ""),
                host=name,
                slots=int(qv.get("slots") or 0),
                slots_used=int(qv.get("slots_used") or 0) + int(qv.get("slots_resv") or 0),
                states=qv.get("state_string", ""),
            )
        )
    return HostRecord(name=name, values=values, slot_limit_free=free, queues=queues)


def _queue_words(instance: QueueInstance) -> list[str]:
    words = {"d": "disabled", "D": "disabled by calendar", "u": "not reporting", "E": "in error",
             "s": "suspended", "S": "suspended by a subordinate queue", "C": "suspended by calendar",
             "a": "over its load threshold", "A": "over its suspend threshold",
             "c": "configuration ambiguous", "o": "orphaned"}  # fmt: skip
    return [f"{instance.queue} {words[c]}" for c in instance.states if c in words]


def _node_state(record: HostRecord, total: int, used: int) -> str:
    queues = record.queues
    if record.values.get("load_avg", "-") in NO_VALUE or any("u" in q.states for q in queues):
        return "not_responding"
    if queues and all("E" in q.states for q in queues):
        return "fail"
    if queues and not any(q.usable for q in queues):
        return "draining" if used else "drained"
    if used == 0:
        return "idle"
    return "allocated" if used >= total else "mixed"


def _node(record: HostRecord) -> Node:
    used = sum(q.slots_used for q in record.queues)
    total = sum(q.slots for q in record.queues)
    if record.slot_limit_free is not None:  # the host's own slots limit, shared by its queues
        total = min(total, round(record.slot_limit_free) + used)
    load = record.values.get("load_avg", "-")
    memory_used = parse_memory_mb(record.values.get("mem_used", "-"))
    return Node(
        name=record.name,
        state=_node_state(record, total, used),
        reason="; ".join(word for q in record.queues for word in _queue_words(q)),
        partitions=tuple(q.queue for q in record.queues),
        cpus_total=total,
        cpus_alloc=used,
        memory_total_mb=parse_memory_mb(record.values.get("mem_total", "-")) or 0,
        # Grid Engine books no memory unless a site makes it consumable: what is in use instead.
        memory_alloc_mb=memory_used or 0,
        load=None if load in NO_VALUE else float(load),
    )


def parse_hosts(text: str) -> list[HostRecord]:
    """Hosts in the output of QHOST_ARGV, without the pseudo host "global"; bad ones are skipped."""
    records = []
    for element in parse_xml(text).iter("host"):
        if element.get("name") in (None, "", "global"):
            continue
        try:
            records.append(_host(element))
        except ValueError as e:
            log.warning("qhost host %r skipped: %s", element.get("name"), e)
    return records


def parse_qhost(text: str) -> list[Node]:
    """Nodes in the output of QHOST_ARGV: slots as CPUs, memory in use as allocated memory."""
    nodes = []
    for record in parse_hosts(text):
        try:
            nodes.append(_node(record))
        except ValueError as e:
            log.warning("qhost host %r skipped: %s", record.name, e)
    return nodes


# ---- queues ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueConfig:
    """The parts of one cluster queue's configuration (qconf -sq) that a partition needs."""

    name: str
    h_rt: int | None  # the queue-wide value; per-host overrides ([host=...]) are left out
    slots: int | None


def _default_value(value: str) -> str:
    """``4,[vm=8]`` -> ``4``: the queue-wide value before any per-host override."""
    return value.split(",[", 1)[0].split(",", 1)[0].strip()


def _queue_config(fields: dict[str, str]) -> QueueConfig:
    slots = _default_value(fields.get("slots", ""))
    return QueueConfig(
        name=fields["qname"],
        h_rt=parse_duration(_default_value(fields.get("h_rt", "INFINITY"))),
        slots=int(slots) if slots.isdigit() else None,
    )


def _config_blocks(text: str) -> Iterable[dict[str, str]]:
    """One dict per queue in ``qconf -sq`` output; continued lines (trailing ``\\``) are joined."""
    fields: dict[str, str] = {}
    for line in text.replace("\\\n", " ").split("\n"):
        key, _, value = line.strip().partition(" ")
        if not key or key.startswith("#"):
            continue
        if key == "qname" and fields:
            yield fields
            fields = {}
        fields[key] = " ".join(value.split())
    if fields:
        yield fields


def parse_queue_configs(text: str) -> list[QueueConfig]:
    """Cluster queues in the output of QUEUES_ARGV; queues that do not parse are logged and skipped."""
    configs = []
    for fields in _config_blocks(text):
        try:
            configs.append(_queue_config(fields))
        except (KeyError, ValueError) as e:
            log.warning("qconf -sq queue %r skipped: %r", fields.get("qname"), e)
    return configs


def build_partitions(configs: list[QueueConfig], hosts: list[HostRecord]) -> list[Partition]:
    """A partition per cluster queue: its hosts (where qhost shows an instance), slots and h_rt.

    Up while at least one instance takes jobs, down otherwise. Grid Engine has no default queue
    (a job without -q goes wherever it fits), so none is marked default.
    """
    nodes = {node.name: node for node in (_node(record) for record in hosts)}
    partitions = []
    for config in configs:
        instances = [q for record in hosts for q in record.queues if q.queue == config.name]
        cpus = sum(min(q.slots, nodes[q.host].cpus_total) for q in instances)
        usable = any(q.usable and nodes[q.host].state != "not_responding" for q in instances)
        partitions.append(
            Partition(
                name=config.name,
                state="up" if usable else "down",
                default=False,
                nodes=tuple(q.host for q in instances),
                max_time_s=config.h_rt,
                default_time_s=None,
                max_nodes=None,
                cpus_total=cpus,
            )
        )
    return partitions
