//! Prints, tick by tick, how one block spreads: entries per state across all peers.
use ecrust_systems::peer::{Body, EntryState};
use ecrust_systems::resources::Peers;
use ecrust_systems::{SimConfig, Simulation};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let peers: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let target: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let config = SimConfig {
        peers,
        ticks: 90,
        tokens: 1,
        block_size_min: 1,
        block_size_max: 1,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, 1).unwrap();
    for _ in 0..90 {
        sim.step();
        let states = &sim.world.resource::<Peers>().states;
        let (mut pend_unknown, mut pend, mut com, mut blk, mut undec) = (0, 0, 0, 0, [0u32; 8]);
        for ps in states {
            for e in &ps.mempool {
                if e.block != target {
                    continue;
                }
                match (e.state, e.body) {
                    (EntryState::Pending, Body::Unknown { .. }) => pend_unknown += 1,
                    (EntryState::Pending, Body::Known) => {
                        pend += 1;
                        for b in 0..7 {
                            if e.undecided & (1 << b) != 0 {
                                undec[b] += 1;
                            }
                        }
                    }
                    (EntryState::Committed, _) => com += 1,
                    (EntryState::Blocked, _) => blk += 1,
                }
            }
        }
        let m = &sim.metrics().last;
        println!(
            "t={:3} unknown={pend_unknown:3} pending={pend:3} committed={com:3} blocked={blk:3} undecided(part0,witness)=({},{}) delivered={} committed_blocks={}",
            m.tick,
            undec[0],
            undec[6],
            m.delivered.total(),
            sim.metrics().blocks_committed
        );
    }
    dump(&sim, target);
}

#[allow(dead_code)]
pub fn dump(sim: &Simulation, target: u32) {
    use ecrust_systems::blocks::BlockBook;
    use ecrust_systems::ring::Ring;
    use ecrust_systems::tokens::TokenBook;
    let ring = sim.world.resource::<Ring>();
    let book = sim.world.resource::<BlockBook>();
    let tokens = sim.world.resource::<TokenBook>();
    let Some(b) = book.get(target) else { return };
    let n = ring.len() as i64;
    let tpos = ring.insertion(tokens.id(b.parts[0].token)) as i64;
    let wpos = ring.insertion(b.id) as i64;
    println!(
        "block {target}: token pos {tpos}, witness pos {wpos}, origin {}",
        b.origin
    );
    let rel = |p: i64, c: i64| {
        let d = (p - c).rem_euclid(n);
        if d > n / 2 { d - n } else { d }
    };
    for (p, ps) in sim.world.resource::<Peers>().states.iter().enumerate() {
        if let Ok(i) = ps.find(target) {
            let e = &ps.mempool[i];
            let p = p as i64;
            let inr = ps.in_range(tokens.id(b.parts[0].token));
            let votes: Vec<String> = e
                .votes
                .iter()
                .map(|v| format!("{}:{:x}", rel(v.voter as i64, tpos), v.mask))
                .collect();
            let views: Vec<String> = e
                .views
                .iter()
                .map(|v| {
                    format!(
                        "[{},{}]",
                        rel(v.below[3] as i64, tpos),
                        rel(v.above[3] as i64, tpos)
                    )
                })
                .collect();
            println!(
                "peer tok{:+} wit{:+} {:?} {:?} undecided={:b} in_range={inr} map={:?} views={views:?} votes={votes:?}",
                rel(p, tpos),
                rel(p, wpos),
                e.state,
                e.body,
                e.undecided,
                ps.mapping(b.parts[0].token)
            );
        }
    }
}
