//! KDC discovery through DNS SRV records (RFC 4120 7.2.3.2, RFC 2782): `_kerberos._udp.REALM`
//! and `_kerberos._tcp.REALM`, `_kerberos-master._tcp.REALM`, `_kpasswd._udp/_tcp.REALM`,
//! ordered by priority and weight, cached for their TTL. The resolver is hickory-resolver on a
//! current-thread tokio runtime, asking the system's nameservers or a configured one (for split
//! DNS, and for tests: the system resolver only asks port 53).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{Resolver, TokioResolver};
use sesame_gss::{Random, SystemRandom};

use super::Protocol;

/// One SRV target, with its addresses when the configured nameserver gave them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrvRecord {
    /// Lower is tried first.
    pub priority: u16,
    /// Relative share among records of the same priority.
    pub weight: u16,
    /// The port.
    pub port: u16,
    /// The host name (without the final dot).
    pub target: String,
    /// Its addresses, resolved by the same nameserver (empty: resolve with the system).
    pub addrs: Vec<IpAddr>,
}

/// SRV lookups with a cache; shared by the transports of a process.
#[derive(Debug)]
pub struct DnsDiscovery {
    nameserver: Option<SocketAddr>,
    /// How long one DNS query may take.
    pub timeout: Duration,
    cache: Mutex<HashMap<String, (Instant, Vec<SrvRecord>)>>,
}

impl DnsDiscovery {
    /// The system's nameservers (`/etc/resolv.conf`, the Windows registry).
    pub fn system() -> Self {
        Self {
            nameserver: None,
            timeout: Duration::from_secs(3),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// One nameserver, at any port.
    pub fn with_nameserver(addr: SocketAddr) -> Self {
        Self {
            nameserver: Some(addr),
            ..Self::system()
        }
    }

    /// Whether a nameserver was given explicitly (discovery then runs even where krb5.conf
    /// says `dns_lookup_kdc = false`).
    pub fn is_explicit(&self) -> bool {
        self.nameserver.is_some()
    }

    /// The KDCs of `realm`: `_kerberos._udp` records (tried over UDP) then `_kerberos._tcp`
    /// (over TCP), each list in RFC 2782 order.
    pub fn kdcs(&self, realm: &str) -> Result<Vec<(SrvRecord, Protocol)>, String> {
        let mut out = Vec::new();
        for (label, protocol) in [
            ("_kerberos._udp", Protocol::Udp),
            ("_kerberos._tcp", Protocol::Tcp),
        ] {
            for r in self.lookup_srv(&format!("{label}.{realm}"))? {
                out.push((r, protocol));
            }
        }
        Ok(out)
    }

    /// The primary KDCs of `realm` (`_kerberos-master._tcp`), for retrying a failed password.
    pub fn master_kdcs(&self, realm: &str) -> Result<Vec<SrvRecord>, String> {
        self.lookup_srv(&format!("_kerberos-master._tcp.{realm}"))
    }

    /// The password-change servers of `realm` (`_kpasswd._udp`, then `_kpasswd._tcp`).
    pub fn kpasswd_servers(&self, realm: &str) -> Result<Vec<SrvRecord>, String> {
        let mut out = self.lookup_srv(&format!("_kpasswd._udp.{realm}"))?;
        out.extend(self.lookup_srv(&format!("_kpasswd._tcp.{realm}"))?);
        Ok(out)
    }

    /// The SRV records of `name` in RFC 2782 order; empty when the name has none. Cached until
    /// the records' TTL runs out.
    pub fn lookup_srv(&self, name: &str) -> Result<Vec<SrvRecord>, String> {
        if let Some(records) = self.cached(name) {
            return Ok(records);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the DNS runtime: {e}"))?;
        let found = runtime.block_on(self.query(name))?;
        Ok(self.remember(name, found))
    }

    /// As [`Self::lookup_srv`], on the caller's tokio runtime (feature `tokio`).
    #[cfg(feature = "tokio")]
    pub async fn lookup_srv_async(&self, name: &str) -> Result<Vec<SrvRecord>, String> {
        if let Some(records) = self.cached(name) {
            return Ok(records);
        }
        let found = self.query(name).await?;
        Ok(self.remember(name, found))
    }

    /// As [`Self::kdcs`], on the caller's tokio runtime (feature `tokio`).
    #[cfg(feature = "tokio")]
    pub async fn kdcs_async(&self, realm: &str) -> Result<Vec<(SrvRecord, Protocol)>, String> {
        let mut out = Vec::new();
        for (label, protocol) in [
            ("_kerberos._udp", Protocol::Udp),
            ("_kerberos._tcp", Protocol::Tcp),
        ] {
            for r in self.lookup_srv_async(&format!("{label}.{realm}")).await? {
                out.push((r, protocol));
            }
        }
        Ok(out)
    }

    fn cached(&self, name: &str) -> Option<Vec<SrvRecord>> {
        let cache = self.cache.lock().ok()?;
        let (until, records) = cache.get(&name.to_ascii_lowercase())?;
        (Instant::now() < *until).then(|| order(records.clone(), &mut system_random))
    }

    fn remember(&self, name: &str, (records, until): (Vec<SrvRecord>, Instant)) -> Vec<SrvRecord> {
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(name.to_ascii_lowercase(), (until, records.clone()));
        }
        order(records, &mut system_random)
    }

    fn resolver(&self) -> Result<TokioResolver, String> {
        let mut builder = match self.nameserver {
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                Resolver::builder_with_config(
                    ResolverConfig::from_parts(None, Vec::new(), vec![ns]),
                    TokioRuntimeProvider::default(),
                )
            }
            None => {
                Resolver::builder_tokio().map_err(|e| format!("system DNS configuration: {e}"))?
            }
        };
        builder.options_mut().timeout = self.timeout;
        builder.options_mut().attempts = 1;
        builder.build().map_err(|e| e.to_string())
    }

    async fn query(&self, name: &str) -> Result<(Vec<SrvRecord>, Instant), String> {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        {
            let resolver = self.resolver()?;
            let lookup = match resolver.srv_lookup(fqdn.as_str()).await {
                Ok(l) => l,
                Err(e) if e.is_no_records_found() || e.is_nx_domain() => {
                    return Ok((Vec::new(), Instant::now() + Duration::from_secs(60)));
                }
                Err(e) => return Err(format!("SRV lookup of {name}: {e}")),
            };
            let until = lookup.valid_until();
            let mut records = Vec::new();
            for record in lookup.answers() {
                let RData::SRV(srv) = &record.data else {
                    continue;
                };
                let target = srv.target.to_utf8().trim_end_matches('.').to_string();
                // RFC 2782: a target of "." means the service is not available here.
                if target.is_empty() {
                    continue;
                }
                let mut addrs = Vec::new();
                if self.nameserver.is_some() {
                    // The system resolver does not know names only this nameserver serves.
                    if let Ok(ips) = resolver.lookup_ip(format!("{target}.").as_str()).await {
                        addrs = ips.iter().collect();
                    }
                }
                records.push(SrvRecord {
                    priority: srv.priority,
                    weight: srv.weight,
                    port: srv.port,
                    target,
                    addrs,
                });
            }
            Ok((records, until))
        }
    }
}

fn system_random(bound: u32) -> u32 {
    let mut b = [0u8; 4];
    let _ = SystemRandom.fill(&mut b);
    if bound == 0 {
        0
    } else {
        u32::from_be_bytes(b) % bound
    }
}

/// RFC 2782 order: ascending priority; within a priority, repeatedly pick a record with
/// probability proportional to its weight (zero weights first in line, as the RFC says), using
/// `random(n)` for a number in `0..n`.
pub(crate) fn order(
    mut records: Vec<SrvRecord>,
    random: &mut dyn FnMut(u32) -> u32,
) -> Vec<SrvRecord> {
    records.sort_by_key(|r| (r.priority, r.weight != 0));
    let mut out = Vec::with_capacity(records.len());
    while !records.is_empty() {
        let priority = records[0].priority;
        let same = records
            .iter()
            .take_while(|r| r.priority == priority)
            .count();
        let mut group: Vec<SrvRecord> = records.drain(..same).collect();
        while !group.is_empty() {
            let total: u32 = group.iter().map(|r| u32::from(r.weight)).sum();
            let pick = random(total + 1);
            let mut running = 0;
            let index = group
                .iter()
                .position(|r| {
                    running += u32::from(r.weight);
                    running >= pick
                })
                .unwrap_or(0);
            out.push(group.remove(index));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(priority: u16, weight: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port: 88,
            target: target.into(),
            addrs: Vec::new(),
        }
    }

    #[test]
    fn priority_first_then_weight() {
        let records = vec![
            rec(10, 0, "c"),
            rec(0, 10, "a1"),
            rec(0, 90, "a2"),
            rec(5, 0, "b"),
        ];
        // Always the low end of the draw: the first record whose running sum reaches it.
        let low = order(records.clone(), &mut |_| 0);
        let names: Vec<_> = low.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(names, ["a1", "a2", "b", "c"]);
        // The high end: the heavy record first.
        let high = order(records, &mut |n| n - 1);
        let names: Vec<_> = high.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(names, ["a2", "a1", "b", "c"]);
    }

    #[test]
    fn weights_share_the_first_place() {
        let records = vec![rec(0, 1, "light"), rec(0, 3, "heavy")];
        let mut n = 0u32;
        let mut heavy_first = 0;
        for _ in 0..400 {
            n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let draw = n >> 8;
            let first = order(records.clone(), &mut |bound| draw % bound);
            if first[0].target == "heavy" {
                heavy_first += 1;
            }
        }
        assert!((250..350).contains(&heavy_first), "{heavy_first} of 400");
    }
}
