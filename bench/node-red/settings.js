// Node-RED settings of the push benchmark's baseline (scripts/bench-push --node-red).
// Loopback only, no editor, no admin API, no update check; the port and the database come from
// the environment (BENCH_NODE_RED_PORT, BENCH_NODE_RED_DB, read by flow.json).
module.exports = {
    uiHost: "127.0.0.1",
    uiPort: parseInt(process.env.BENCH_NODE_RED_PORT || "18095", 10),
    httpAdminRoot: false,
    httpNodeRoot: "/",
    credentialSecret: false,
    flowFilePretty: true,
    logging: { console: { level: "warn", metrics: false, audit: false } },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    functionExternalModules: false,
    // The nodes installed beside node-red in the bench cache (node-red-node-sqlite).
    nodesDir: process.env.BENCH_NODE_RED_NODES || undefined,
};
