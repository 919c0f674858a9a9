//! Generates the plugin's test vectors (`$OUT_DIR/vectors.rs`) from `vectors/vectors.jsonl`.

fn main() {
    passerelle_pdk_host::vectors("vectors/vectors.jsonl");
}
