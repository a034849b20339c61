//! Search over the whole shipped referential (36,404 territories), in process.
//!
//! `cargo bench -p cohesion-core --bench territory_search`; the percentile report
//! (p50/p99/max per query) is `cargo run --release -p cohesion-core --example search_latency`.

use cohesion_core::territory::compact;
use cohesion_core::territory::search::{Query, SearchIndex};
use cohesion_core::territory::{Referential, TerritoryKind};
use criterion::{Criterion, criterion_group, criterion_main};

fn referential() -> Referential {
    match compact::read("territories.tsv", compact::SHIPPED) {
        Ok(r) => r,
        Err(e) => panic!("shipped referential invalid: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    let r = referential();
    c.bench_function("build index", |b| b.iter(|| SearchIndex::new(&r)));
    c.bench_function("read shipped referential", |b| b.iter(referential));
    let index = SearchIndex::new(&r);
    let loire = r.index_of(TerritoryKind::Departement, "42");
    let queries: [(&str, Query<'_>); 8] = [
        ("exact 'saint etienne'", Query { text: "saint etienne", limit: 20, ..Query::default() }),
        ("abbrev 'ST ETIENNE'", Query { text: "ST ETIENNE", limit: 20, ..Query::default() }),
        ("one letter 'a'", Query { text: "a", limit: 20, ..Query::default() }),
        ("prefix 'sai'", Query { text: "sai", limit: 20, ..Query::default() }),
        ("words 'etienne saint'", Query { text: "etienne saint", limit: 20, ..Query::default() }),
        ("postcode '42000'", Query { text: "42000", limit: 20, ..Query::default() }),
        ("empty, communes", Query { text: "", kind: Some(TerritoryKind::Commune), limit: 20, ..Query::default() }),
        ("'saint' in Loire", Query { text: "saint", parent: loire, limit: 20, ..Query::default() }),
    ];
    let mut group = c.benchmark_group("search");
    for (name, q) in &queries {
        group.bench_function(*name, |b| b.iter(|| index.search(&r, q)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
