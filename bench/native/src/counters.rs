// The sink's counters and its GET /stats answer: the JSON shape of bench/server/stats.ts
// (ServerStats), so dist/bench.js reads the native sink as it reads the embedded server.
use crate::report::{quote, JsonObject};
use crate::sys::CpuTime;
use crate::wse::epoch_millis;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct Counters {
    pub connections_opened: u64,
    /// Close codes the connections ended with (1005: a close frame without code; 1006: no close frame).
    pub closed_by_code: BTreeMap<u16, u64>,
    pub text: u64,
    pub binary: u64,
    pub text_bytes: u64,
    pub binary_bytes: u64,
    /// Application pings answered with PONG.
    pub pings: u64,
    /// Clients' PONGs (answers to a server heartbeat; this sink sends none, but counts them as WSE does).
    pub heartbeat_replies: u64,
    /// WSE messages the sink sent (server_ready, PONGs) and their payload bytes.
    pub sent_messages: u64,
    pub sent_bytes: u64,
}

impl Counters {
    /// A WSE message of `bytes` payload bytes sent.
    pub fn sent(&mut self, bytes: usize) {
        self.sent_messages += 1;
        self.sent_bytes += bytes as u64;
    }

    pub fn closed(&mut self, code: u16) {
        *self.closed_by_code.entry(code).or_insert(0) += 1;
    }

    /// ServerStats as JSON: every field the embedded server reports; the ones a sink cannot
    /// have (rejections, auth failures, rate-limit drops, payload kinds, fan-out) are 0.
    pub fn stats_json(&self, open_connections: usize) -> String {
        let cpu = CpuTime::now();
        let by_code = self.closed_by_code.iter().map(|(code, n)| format!("{}:{n}", quote(&code.to_string()))).collect::<Vec<_>>().join(",");
        let messages = JsonObject::new()
            .int("text", self.text)
            .int("binary", self.binary)
            .int("json", 0)
            .int("msgpack", 0)
            .int("zlib", 0)
            .int("encrypted", 0)
            .int("bad", 0)
            .finish();
        let counters = JsonObject::new()
            .int("connectionsOpened", self.connections_opened)
            .int("connectionsRejected", 0)
            .int("authFailures", 0)
            .raw("connectionsClosedByCode", &format!("{{{by_code}}}"))
            .raw("messages", &messages)
            .raw("bytes", &JsonObject::new().int("text", self.text_bytes).int("binary", self.binary_bytes).finish())
            .int("pings", self.pings)
            .int("heartbeatReplies", self.heartbeat_replies)
            .int("rateLimitedDrops", 0)
            .raw("sent", &JsonObject::new().int("messages", self.sent_messages).int("bytes", self.sent_bytes).finish())
            .int("slowConsumerDrops", 0)
            .int("published", 0)
            .finish();
        JsonObject::new()
            .str("transport", "native")
            .str("mode", "sink")
            .str("rateLimit", "off")
            .int("workers", 1)
            .int("cpuUserMicros", cpu.user_micros)
            .int("cpuSystemMicros", cpu.system_micros)
            .int("openConnections", open_connections as u64)
            .raw("counters", &counters)
            .int("readAtMs", epoch_millis())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Counters;

    #[test]
    fn stats_have_the_embedded_servers_fields() {
        let mut counters = Counters { text: 3, pings: 1, ..Counters::default() };
        counters.sent(40);
        counters.sent(2);
        counters.closed(1000);
        counters.closed(1000);
        let json = counters.stats_json(2);
        for field in ["\"transport\":\"native\"", "\"mode\":\"sink\"", "\"openConnections\":2", "\"connectionsClosedByCode\":{\"1000\":2}", "\"messages\":{\"text\":3,", "\"pings\":1", "\"sent\":{\"messages\":2,\"bytes\":42}", "\"readAtMs\":"] {
            assert!(json.contains(field), "{field} in {json}");
        }
    }
}
