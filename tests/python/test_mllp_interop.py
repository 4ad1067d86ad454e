"""The MLLP listener against python-hl7's MLLP client, and its ACKs read by python-hl7's parser."""

from __future__ import annotations

import hl7
import hl7.client

import radloop

ADT = (
    "MSH|^~\\&|EHR|GENERAL|RADLOOP|RAD|20260101120000||ADT^A04^ADT_A01|PY0001|P|2.5.1\r"
    "EVN|A04|20260101120000\r"
    "PID|1||MRN777^^^GENERAL^MR||ROE^RICHARD||19700101|M\r"
    "PV1|1|O\r"
)


def test_python_hl7_client_gets_an_aa_ack_it_can_parse(pipeline):
    with hl7.client.MLLPClient("127.0.0.1", pipeline.mllp_port) as client:
        reply = client.send_message(ADT)
    ack = hl7.parse(reply.decode() if isinstance(reply, bytes) else reply)
    assert str(ack.segment("MSH")[9]) == "ACK^A04^ACK"
    assert str(ack.segment("MSA")[1]) == "AA"
    assert str(ack.segment("MSA")[2]) == "PY0001"
    # sender and receiver are swapped in the ACK
    assert str(ack.segment("MSH")[3]) == "RADLOOP"
    assert str(ack.segment("MSH")[5]) == "EHR"
    assert pipeline.inbound_count() == 1


def test_several_messages_on_one_python_hl7_connection(pipeline):
    with hl7.client.MLLPClient("127.0.0.1", pipeline.mllp_port) as client:
        for i in range(5):
            message = ADT.replace("PY0001", f"PY10{i:02}")
            ack = hl7.parse(client.send_message(message).decode())
            assert str(ack.segment("MSA")[2]) == f"PY10{i:02}"
    assert pipeline.inbound_count() == 5


def test_unreadable_payload_gets_ar_with_err_segment(pipeline):
    reply = radloop.mllp_exchange("127.0.0.1", pipeline.mllp_port, "this is not HL7")
    ack = hl7.parse(reply)
    assert str(ack.segment("MSA")[1]) == "AR"
    assert "not an HL7 v2 message" in str(ack.segment("MSA")[3])
    assert str(ack.segment("ERR")[3]).startswith("100")  # table 0357: segment sequence error
    assert pipeline.inbound_count() == 0


def test_resent_message_is_acked_twice_and_kept_once(pipeline):
    for _ in range(2):
        ack = hl7.parse(radloop.mllp_exchange("127.0.0.1", pipeline.mllp_port, ADT))
        assert str(ack.segment("MSA")[1]) == "AA"
    assert pipeline.inbound_count() == 1
    assert pipeline.stats()["hl7_duplicates"] == 1
