// Entry point: mounts the Svelte app into #app.
// First: a usable navigator.language before any library formats a number.
import "./locale";
import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("missing #app element in index.html");

export default mount(App, { target });
