// Loads the wasm app; kept out of index.html so the Content-Security-Policy needs no inline script.
import init from "/bestiary.js";
init({ module_or_path: "/bestiary_bg.wasm" });
