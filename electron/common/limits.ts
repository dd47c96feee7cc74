/**
 * Every limit more than one module (or more than one process) enforces, in one place so they
 * cannot disagree. Where two limits of the same thing differ, each is named for what it limits
 * and says why its value.
 *
 * The renderer may only `import type` from electron/common: it declares its own constant with
 * the type of the one here (`const MAX_RACE_RUNS: typeof Limit = 8`), so a change here that is
 * not made there is a compile error.
 */

// ---------------------------------------------------------------------------------------------
// Runs

/**
 * Most analytic runs one engine holds at once, whoever created them (the page, a test, the
 * CLI, an opened session, a fork). Not the page's MAX_RACE_RUNS: that one is about colours,
 * this one only bounds the engine's work per frame.
 */
export const MAX_EXPLORER_RUNS = 16;

/**
 * Most runs one race on the explorer page holds: one per run colour (eight distinct,
 * colour-blind-aware colours), so every run keeps its own colour in the views and the legend.
 */
export const MAX_RACE_RUNS = 8;

/**
 * Most network runs at once, in the engine and on the page: each trains a network, and eight
 * is also the number of run colours.
 */
export const MAX_NETWORK_RUNS = 8;

/** Most runs one CLI `train` or `landscape` SPEC trains. */
export const MAX_TRAINING_SPEC_RUNS = 16;

/** Most runs one CLI `trajectory` SPEC races (each a 2-D trajectory: cheap). */
export const MAX_TRAJECTORY_SPEC_RUNS = 64;

/** Most runs whose trajectories one network landscape projects onto its plane. */
export const MAX_PROJECTED_RUNS = 16;

// ---------------------------------------------------------------------------------------------
// Work one request may ask for

/** Most points a synthetic dataset may have. */
export const MAX_DATASET_POINTS = 100_000;
// Your own data (CSV/TSV files and given arrays)

/** Most data rows a CSV/TSV file may have (the header and empty lines not counted). */
export const MAX_CSV_ROWS = 1_000_000;
/** Most columns a CSV/TSV file may have, and most inputs a table gives after one-hot encoding. */
export const MAX_CSV_COLUMNS = 1_000;
/**
 * Most distinct values of a classification target (its classes) or of a one-hot encoded column
 * (its inputs): more is a regression target or an identifier, not a category.
 */
export const MAX_CSV_CATEGORIES = 100;
/**
 * Most bytes reading a table may take in the engine's heap: a value is kept as it streams in
 * (8 bytes), then copied into the split (8), then into the standardized and raw float32 inputs
 * (4 + 4), then the float64 copy a session saves (8) — 32 bytes per input value. 1.5 GiB is
 * 50 million values: 1,000,000 rows of 50 inputs, or 50,000 rows of 1,000.
 */
export const MAX_TABLE_BYTES = 1.5 * 2 ** 30;
/** Bytes reading a table takes per input value (see MAX_TABLE_BYTES). */
export const TABLE_BYTES_PER_VALUE = 32;
/** Most rows a `given` dataset may list in JSON (a file goes through CSV). */
export const MAX_GIVEN_ROWS = MAX_DATASET_POINTS;
/** Most numbers a `given` dataset's x may hold in all. */
export const MAX_GIVEN_VALUES = 10_000_000;

/** Most optimizer steps a CLI training run may ask for. */
export const MAX_TRAIN_STEPS = 1_000_000;
/** Most steps a CLI trajectory may ask for: 10 million points is already 300 MB of JSON. */
export const MAX_TRAJECTORY_STEPS = 1_000_000;
/** Largest basin map: 512 × 512 starts (262,144), each with its own optimizer state. */
export const MAX_BASINS_RESOLUTION = 512;
/** Most optimizer steps per start of a basin map. */
export const MAX_BASINS_STEPS = 100_000;

/** Longest error message a host sends back: one line, never a wall of text. */
export const MAX_ERROR_CHARS = 400;

// ---------------------------------------------------------------------------------------------
// Session files

/** Most bytes a session may hold once unzipped (manifest and arrays together): 2 GiB. */
export const MAX_SESSION_BYTES = 2 * 2 ** 30;

/**
 * Most bytes of one loss-landscape file (net.landscape.file): one message, within a WebSocket
 * frame; Li et al.'s surfaces of 51 × 51 points over four quantities take about 100 kB.
 */
export const MAX_LANDSCAPE_FILE_BYTES = 24 * 2 ** 20;

/** Most bytes of one session.upload part: well inside a WebSocket frame (DEFAULT_MAX_FRAME_BYTES). */
export const MAX_UPLOAD_PART_BYTES = 16 * 2 ** 20;

/** Most entries a session's zip may have. */
export const MAX_SESSION_ENTRIES = 4096;
/** Most bytes of `manifest.json`. */
export const MAX_MANIFEST_BYTES = 64 * 2 ** 20;
/** Most characters of the client's `view` object, as JSON. */
export const MAX_VIEW_CHARS = 4 * 2 ** 20;
/** Most hyperparameter changes one run may record (a dragged slider makes many). */
export const MAX_RECORDED_CHANGES = 1_000_000;
/** Most steps a recorded run may claim (above the engine's own limits). */
export const MAX_RECORDED_STEPS = 10_000_000;
/**
 * Most runs a session may record per lab (and projections of one landscape): above what an
 * engine holds at once (MAX_EXPLORER_RUNS, MAX_NETWORK_RUNS), so a file holding more runs than
 * that still reads and is refused with a message naming the engine's limit.
 */
export const MAX_RECORDED_RUNS = 64;
/** Most landscapes a session may record. */
export const MAX_RECORDED_LANDSCAPES = 64;
/**
 * Most critical-points experiments a session may record, and the lab keeps (the oldest go
 * first): each is a figure's worth of numbers, and a lesson runs a handful.
 */
export const MAX_RECORDED_EXPERIMENTS = 64;

// ---------------------------------------------------------------------------------------------
// The browser-mode server

/** Most engines alive at once, one per open page (each holds ~100 MB); an option's default. */
export const DEFAULT_MAX_ENGINES = 4;
/** Largest WebSocket message (64 MiB); a bigger one closes its socket. An option's default. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 2 ** 20;
/** Pages that may wait for an engine; past them a page is told why and its socket closed. */
export const MAX_WAITING_PAGES = 16;
/** Messages a page may send while its engine restarts; later ones are refused. */
export const MAX_BACKLOG = 1000;
/** TCP connections at once (a page opens a handful). */
export const MAX_CONNECTIONS = 256;

// ---------------------------------------------------------------------------------------------
// Imported models (TensorFlow.js Layers files)

/** Most bytes of a model's `model.json` (topology and manifest; weights are separate). */
export const MAX_MODEL_JSON_BYTES = 8 * 2 ** 20;
/**
 * Most bytes of a model's weight files together (12 million float32 numbers): with model.json
 * they travel in one message, inside a WebSocket frame (DEFAULT_MAX_FRAME_BYTES); the network
 * lab's budgets refuse far smaller networks for their passes anyway.
 */
export const MAX_MODEL_WEIGHT_BYTES = 48 * 2 ** 20;
/** Most weight files one model may list. */
export const MAX_MODEL_FILES = 256;
