// engine.mjs — a real inference engine process for pqcha's tests: llama.cpp
// (node-llama-cpp 3.21.1, CPU only) with the model file memory-mapped.
//
//   dir=$(scripts/ensure-engine.sh)
//   PQCHA_ENGINE_DIR=$dir node tests/engine/engine.mjs MODEL.gguf
//
// node-llama-cpp is found through $PQCHA_ENGINE_DIR (the directory holding
// node_modules that scripts/ensure-engine.sh prints) or, without it, the usual
// ESM way: a node_modules beside this script (a symlink will do); ESM does
// not read NODE_PATH or the working directory.
//
// Protocol, one line each, on stdout only:
//   tokens: ID ID ...   greedy continuation of a fixed prompt (token ids)
//   ready PID           after the first generation; the model is mapped
// then per stdin line: "generate" -> a new "tokens: ..." line, generated from
// a fresh state (same weights => same line); "quit" or EOF -> exit 0.
// Anything else on stdin gets "error: unknown command" on stdout.
// llama.cpp's own messages go to stderr; PQCHA_ENGINE_LOG=info|debug|warn
// sets their level (default: error).
import path from "node:path";
import readline from "node:readline";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const PROMPT = "the quick brown fox jumps over the lazy dog";
const GENERATED_TOKENS = 8;
// One thread: with two, llama.cpp's spinning workers made a generate take
// 16 ms .. 1.8 s on a busy 2-core machine; with one it takes ~3 ms.
const THREADS = 1;

// Never fetch or build llama.cpp: use the prebuilt CPU binary or fail.
process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";
process.env.NODE_LLAMA_CPP_GPU = "false";

function fail(message) {
    process.stderr.write(`engine: ${message}\n`);
    process.exit(1);
}

async function importNodeLlamaCpp() {
    const dir = process.env.PQCHA_ENGINE_DIR;
    if (!dir) {
        try {
            return await import("node-llama-cpp");
        } catch (err) {
            if (err && err.code === "ERR_MODULE_NOT_FOUND")
                fail("node-llama-cpp not found: set PQCHA_ENGINE_DIR to the directory scripts/ensure-engine.sh prints");
            throw err;
        }
    }
    const require = createRequire(path.join(path.resolve(dir), "package.json"));
    return import(pathToFileURL(require.resolve("node-llama-cpp")).href);
}

async function main() {
    const modelPath = process.argv[2];
    if (!modelPath || process.argv.length > 3)
        fail("usage: node engine.mjs MODEL.gguf");

    const { getLlama } = await importNodeLlamaCpp();
    const llama = await getLlama({
        gpu: false,
        build: "never",
        skipDownload: true,
        usePrebuiltBinaries: true,
        progressLogs: false,
        maxThreads: THREADS,
        logLevel: process.env.PQCHA_ENGINE_LOG || "error",
        logger: (level, message) => process.stderr.write(`llama.cpp ${level}: ${message.replace(/\n$/, "")}\n`),
    });
    const model = await llama.loadModel({
        modelPath: path.resolve(modelPath),
        gpuLayers: 0,
        useMmap: true,
        useMlock: false,
        useDirectIo: false,
    });
    if (!model.useMmap)
        fail("llama.cpp did not memory-map the model (useMmap is off)");
    const context = await model.createContext({
        contextSize: 128,
        batchSize: 128,
        sequences: 1,
        threads: THREADS,
        flashAttention: false,
    });
    const sequence = context.getSequence();
    const promptTokens = model.tokenize(PROMPT);
    if (model.tokens.bos != null && model.tokens.shouldPrependBosToken)
        promptTokens.unshift(model.tokens.bos);

    async function generate() {
        await sequence.clearHistory();
        const out = [];
        // temperature 0 = greedy; keep end-of-generation tokens so every run
        // prints the same number of tokens.
        for await (const token of sequence.evaluate(promptTokens, { temperature: 0, yieldEogToken: true })) {
            out.push(token);
            if (out.length >= GENERATED_TOKENS)
                break;
        }
        process.stdout.write(`tokens: ${out.join(" ")}\n`);
    }

    await generate();
    process.stdout.write(`ready ${process.pid}\n`);

    const lines = readline.createInterface({ input: process.stdin, terminal: false });
    for await (const raw of lines) {
        const command = raw.trim();
        if (command === "generate")
            await generate();
        else if (command === "quit")
            break;
        else if (command !== "")
            process.stdout.write("error: unknown command\n");
    }
    lines.close();
    await context.dispose();
    await model.dispose();
    await llama.dispose();
    process.exit(0);
}

main().catch((err) => fail(process.env.PQCHA_ENGINE_LOG && err && err.stack ? err.stack : String(err && err.message ? err.message : err)));
