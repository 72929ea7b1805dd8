//! Which NVML calls a sample makes, and what they cost. Most reads take about a
//! microsecond, but on a real H200 `total_energy_consumption` took ~4 ms, `max_clock_info`
//! ~1.3 ms and `mig_mode` ~0.14 ms (`tests/fixtures/gpu/pynvml-calls.txt`): reading all of
//! them every second cost 0.7 % of a core. The plan reads static facts once, refreshes the
//! slow-changing ones rarely and energy every so often, to stay under 0.05 % at 1 Hz.

use std::collections::BTreeMap;

/// The NVML calls every sample makes per GPU, by the names `pynvml-calls.txt` uses.
/// (`procs` twice: compute and graphics processes.)
pub const EVERY_SAMPLE: [&str; 11] = [
    "handle", "util", "mem", "temp", "power", "clk_sm", "clk_mem", "throttle", "ecc", "procs",
    "procs",
];

/// The calls a refresh of the slow-changing facts makes per GPU (power limit, max clocks,
/// MIG mode, and the fan, which most data-centre GPUs lack).
pub const REFRESH: [&str; 4] = ["plimit", "maxclk", "mig", "fan"];

/// The calls made once, when the source opens (per GPU, plus the driver's versions).
pub const ONCE: [&str; 4] = ["name", "uuid", "pci", "cc"];

/// How often the costly reads happen, counted in samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadPlan {
    /// Read the energy counter every this many samples (its value is cumulative, so a
    /// late reading loses nothing).
    pub energy_every: u64,
    /// Refresh the power limit, max clocks, MIG mode and fan every this many samples.
    pub refresh_every: u64,
}

impl Default for ReadPlan {
    fn default() -> Self {
        Self {
            energy_every: 30,
            refresh_every: 60,
        }
    }
}

impl ReadPlan {
    /// Whether sample `seq` reads the energy counter.
    pub fn energy_due(&self, seq: u64) -> bool {
        seq.is_multiple_of(self.energy_every.max(1))
    }

    /// Whether sample `seq` refreshes the slow-changing facts.
    pub fn refresh_due(&self, seq: u64) -> bool {
        seq.is_multiple_of(self.refresh_every.max(1))
    }

    /// The calls sample `seq` makes on one GPU.
    pub fn calls(&self, seq: u64) -> Vec<&'static str> {
        let mut calls = EVERY_SAMPLE.to_vec();
        if self.refresh_due(seq) {
            calls.extend(REFRESH);
        }
        if self.energy_due(seq) {
            calls.push("energy");
        }
        calls
    }
}

/// Measured cost of each NVML call, in microseconds (`pynvml-calls.txt`'s format: a name
/// and a figure in µs per line).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallCosts(BTreeMap<String, f64>);

impl CallCosts {
    /// Read `name   1.1 us` lines; other lines are skipped.
    pub fn parse(text: &str) -> Self {
        Self(
            text.lines()
                .filter_map(|line| {
                    let mut words = line.split_whitespace();
                    let name = words.next()?;
                    let micros: f64 = words.next()?.parse().ok()?;
                    (words.next() == Some("us")).then(|| (name.to_owned(), micros))
                })
                .collect(),
        )
    }

    /// The cost of `call`; a call that was not measured counts as the dearest cheap read
    /// (5 µs), so an estimate never flatters.
    pub fn of(&self, call: &str) -> f64 {
        self.0.get(call).copied().unwrap_or(5.0)
    }

    /// The NVML time, in microseconds per second of sampling, of `plan` on `gpus` GPUs at
    /// one sample every `interval_ms`, averaged over `samples` samples after opening.
    pub fn per_second(&self, plan: &ReadPlan, gpus: u32, interval_ms: u64, samples: u64) -> f64 {
        let total: f64 = (0..samples)
            .map(|seq| plan.calls(seq).iter().map(|c| self.of(c)).sum::<f64>())
            .sum();
        let seconds = samples as f64 * interval_ms as f64 / 1000.0;
        total * f64::from(gpus) / seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured() -> CallCosts {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/gpu/pynvml-calls.txt"
        );
        CallCosts::parse(&std::fs::read_to_string(path).unwrap())
    }

    #[test]
    fn the_h200_call_costs_are_read() {
        let costs = measured();
        assert_eq!(costs.of("energy"), 4037.6);
        assert_eq!(costs.of("maxclk"), 1292.1);
        assert_eq!(costs.of("handle"), 1.1);
        assert_eq!(costs.of("no-such-call"), 5.0);
    }

    #[test]
    fn reading_everything_every_second_costs_what_was_measured() {
        // Every call every sample: the 0.7 % of a core the H200 probe saw.
        let all = ReadPlan {
            energy_every: 1,
            refresh_every: 1,
        };
        let micros = measured().per_second(&all, 1, 1000, 600);
        let pct = micros / 1e6 * 100.0;
        assert!((0.5..0.6).contains(&pct), "{pct}");
    }

    #[test]
    fn the_default_plan_stays_under_a_twentieth_of_a_percent_at_1_hz() {
        let micros = measured().per_second(&ReadPlan::default(), 1, 1000, 600);
        let pct = micros / 1e6 * 100.0;
        assert!(pct <= 0.05, "{pct} % of a core");
    }
}
