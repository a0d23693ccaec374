use ecrust_systems::blocks::BlockBook;
use ecrust_systems::ledger::Ledger;
use ecrust_systems::network::Network;
use ecrust_systems::resources::Peers;
use ecrust_systems::{SimConfig, Simulation};
fn main() {
    let ticks: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let c = SimConfig {
        peers: 50000,
        ticks,
        tokens: 1000,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(c, 2).unwrap();
    for t in 0..ticks {
        sim.step();
        if (t + 1) % 100 == 0 {
            let w = &sim.world;
            let peers = &w.resource::<Peers>().states;
            let mp_cap: usize = peers.iter().map(|p| p.mempool.capacity()).sum();
            let mp_len: usize = peers.iter().map(|p| p.mempool.len()).sum();
            let rem_cap: usize = peers.iter().map(|p| p.remembered.capacity()).sum();
            let rem_len: usize = peers.iter().map(|p| p.remembered.len()).sum();
            let votes_cap: usize = peers
                .iter()
                .flat_map(|p| p.mempool.iter())
                .map(|e| e.votes.capacity())
                .sum();
            let net = w.resource::<Network>();
            let slot_cap: usize = net
                .mailboxes
                .iter()
                .flat_map(|m| m.slots.iter())
                .map(|v| v.capacity())
                .sum();
            let spare_n = 0;
            let spare_cap = 0;
            let book = w.resource::<BlockBook>().len();
            let links = w.resource::<Ledger>().live_links();
            println!(
                "t={} mempool len {mp_len} cap {mp_cap} | remembered {rem_len} cap {rem_cap} | votes cap {votes_cap} | slots cap {slot_cap} msgs | spare {spare_n} bufs {spare_cap} msgs | book {book} links {links}",
                t + 1
            );
        }
    }
}
