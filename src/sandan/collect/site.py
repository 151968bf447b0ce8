"""One YAML file per site configures its connectors (OPC UA, Modbus TCP, MQTT) and, at the edge, the link to the
platform and the disk buffer. It builds connectors; it must not run them (the edge agent or the server does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sandan.collect.connector import Connector
from sandan.domain import InvalidInput
from sandan.domain.errors import invalid_input_from, yaml_position, yaml_problem
from sandan.domain.text import repeated
from sandan.domain.yamltext import read_yaml


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


Text = Annotated[str, Field(min_length=1, max_length=200)]
Port = Annotated[int, Field(ge=1, le=65535)]


class OpcUaMachineSpec(_Model):
    machine_id: Text
    object_path: list[str] = Field(min_length=1)
    signals: dict[str, str] = Field(default_factory=dict)


class OpcUaSpec(_Model):
    type: Literal["opcua"]
    name: Text
    endpoint: str = Field(pattern=r"^opc\.tcp://\S+$")
    machines: list[OpcUaMachineSpec] = Field(min_length=1)
    sampling_ms: int = Field(default=500, gt=0)
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
    name: Text
    host: Text
    port: Port = 502
    device_id: int = Field(default=1, ge=0, le=255)
    machine_id: Text
    poll_interval_s: float = Field(default=1.0, gt=0)
    registers: list[RegisterSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _map(self) -> ModbusSpec:
        # a signal twice, registers that overlap, or one that runs past the last address read wrong numbers
        # without a word
        twice = repeated([r.signal for r in self.registers])
        if twice:
            raise InvalidInput(
                f"registers: signal {', '.join(map(repr, twice))} is mapped more than once",
                f"registers: 신호 {', '.join(map(repr, twice))}이(가) 두 번 이상 있습니다",
            )
        from sandan.collect.modbus import WIDTH as width  # registers per type, as the collector reads them

        taken: dict[int, str] = {}
        for r in self.registers:
            if r.address + width[r.type] - 1 > 65535:
                raise InvalidInput(
                    f"registers: {r.signal} ({r.type} at {r.address}) runs past the last register, 65535",
                    f"registers: {r.signal}({r.address}의 {r.type})이(가) 마지막 레지스터 65535를 넘습니다",
                )
            for a in range(r.address, r.address + width[r.type]):
                if a in taken:
                    raise InvalidInput(
                        f"registers: {r.signal} and {taken[a]} both use register {a}; check the addresses and types",
                        f"registers: {r.signal}와(과) {taken[a]}이(가) 레지스터 {a}을(를) 함께 씁니다. 주소와 형식을 확인하세요",
                    )
                taken[a] = r.signal
        return self


class MqttSpec(_Model):
    type: Literal["mqtt"]
    name: Text
    host: Text = "127.0.0.1"
    port: Port = 1883
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

    @model_validator(mode="after")
    def _names(self) -> SiteConfig:
        # a connector's name is how its health and its records' source are told apart
        twice = repeated([c.name for c in self.connectors])
        if twice:
            raise InvalidInput(
                f"connectors: the name {', '.join(map(repr, twice))} is used more than once; give each its own",
                f"connectors: 이름 {', '.join(map(repr, twice))}이(가) 두 번 이상 쓰였습니다. 각각 다른 이름을 주세요",
            )
        return self

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
        except InvalidInput as exc:  # a check across fields (names twice, registers that overlap)
            raise InvalidInput(
                f"site file {path} is not valid: {exc.en}",
                f"사이트 설정 {path}이(가) 올바르지 않습니다: {exc.ko}",
                file=str(path),
            ) from exc
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
