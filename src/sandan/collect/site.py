"""One YAML file per site configures its connectors (OPC UA, Modbus TCP, MQTT) and, at the edge, the link to the
platform and the disk buffer. It builds connectors; it must not run them (the edge agent or the server does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sandan.collect.connector import Connector
from sandan.domain import InvalidInput
from sandan.domain.errors import invalid_input_from, yaml_position, yaml_problem
from sandan.domain.yamltext import read_yaml


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpcUaMachineSpec(_Model):
    machine_id: str
    object_path: list[str]
    signals: dict[str, str] = Field(default_factory=dict)


class OpcUaSpec(_Model):
    type: Literal["opcua"]
    name: str
    endpoint: str
    machines: list[OpcUaMachineSpec]
    sampling_ms: int = 500
    username: str | None = None
    password: str | None = None


class RegisterSpec(_Model):
    signal: str
    address: int = Field(ge=0, le=65535)
    type: Literal["int16", "uint16", "int32", "uint32", "float32"] = "int16"
    scale: float = 1.0
    offset: float = 0.0
    word_order: Literal["big", "little"] = "big"


class ModbusSpec(_Model):
    type: Literal["modbus"]
    name: str
    host: str
    port: int = 502
    device_id: int = 1
    machine_id: str
    poll_interval_s: float = Field(default=1.0, gt=0)
    registers: list[RegisterSpec]


class MqttSpec(_Model):
    type: Literal["mqtt"]
    name: str
    host: str = "127.0.0.1"
    port: int = 1883
    #: sandan's JSON topics by default; with `sparkplug: true`, every Sparkplug B group ("spBv1.0/#")
    topic: str = ""
    client_id: str = ""
    shared_group: str | None = None
    username: str | None = None
    password: str | None = None
    sparkplug: bool = False  # Sparkplug B payloads (protobuf, sequence-checked) instead of sandan's JSON
    group_to_company: dict[str, str] | None = None  # Sparkplug group id -> company id (default: the same)


ConnectorSpec = Annotated[OpcUaSpec | ModbusSpec | MqttSpec, Field(discriminator="type")]


class PlatformSpec(_Model):
    url: str
    token: str


class BufferSpec(_Model):
    path: Path = Path("edge-buffer.sqlite")
    max_mb: int = Field(default=2048, gt=0)


class SiteConfig(_Model):
    company: str
    site: str = ""
    platform: PlatformSpec | None = None  # required for the edge agent, not for connectors run in the server
    buffer: BufferSpec = BufferSpec()
    connectors: list[ConnectorSpec] = Field(default_factory=list)

    @classmethod
    def from_yaml(cls, path: Path) -> SiteConfig:
        try:
            data = read_yaml(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise InvalidInput(
                f"cannot read site file {path}: {exc}",
                f"사이트 설정 {path}을(를) 읽을 수 없습니다: {exc}",
                file=str(path),
            ) from exc
        except yaml.YAMLError as exc:
            line, _ = yaml_position(exc)
            problem_en, problem_ko = yaml_problem(exc)
            raise InvalidInput(
                f"site file {path} is not valid YAML: {problem_en}",
                f"사이트 설정 {path}이(가) 올바른 YAML이 아닙니다: {problem_ko}",
                file=str(path),
                line=line,
            ) from exc
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            # in each language's words (pydantic's English was in the Korean line too)
            wrong = invalid_input_from(exc)
            raise InvalidInput(
                f"site file {path} is not valid: {wrong.en}",
                f"사이트 설정 {path}이(가) 올바르지 않습니다: {wrong.ko}",
                file=str(path),
                **{k: v for k, v in wrong.where.items() if k != "file"},
            ) from exc

    def build_connectors(self) -> list[Connector]:
        from sandan.collect.modbus import ModbusCollector, ModbusConfig, Register
        from sandan.collect.mqtt import MqttCollector, MqttConfig
        from sandan.collect.opcua import OpcUaCollector, OpcUaConfig, OpcUaMachine

        built: list[Connector] = []
        for spec in self.connectors:
            if isinstance(spec, OpcUaSpec):
                machines = [OpcUaMachine(m.machine_id, m.object_path, m.signals) for m in spec.machines]
                built.append(
                    OpcUaCollector(
                        OpcUaConfig(
                            spec.endpoint,
                            self.company,
                            machines,
                            spec.sampling_ms,
                            username=spec.username,
                            password=spec.password,
                        ),
                        spec.name,
                    )
                )
            elif isinstance(spec, ModbusSpec):
                registers = [Register(**r.model_dump()) for r in spec.registers]
                built.append(
                    ModbusCollector(
                        ModbusConfig(
                            spec.host,
                            self.company,
                            spec.machine_id,
                            registers,
                            port=spec.port,
                            device_id=spec.device_id,
                            poll_interval_s=spec.poll_interval_s,
                        ),
                        spec.name,
                    )
                )
            else:
                built.append(
                    MqttCollector(
                        MqttConfig(
                            host=spec.host,
                            port=spec.port,
                            # the site's own company's topics: its token writes for no other
                            topic=spec.topic
                            or ("spBv1.0/#" if spec.sparkplug else f"sandan/v1/{self.company}/+/+"),
                            client_id=spec.client_id,
                            shared_group=spec.shared_group,
                            username=spec.username,
                            password=spec.password,
                            sparkplug=spec.sparkplug,
                            group_to_company=spec.group_to_company,
                        ),
                        spec.name,
                    )
                )
        return built
