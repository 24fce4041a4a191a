import { mount } from "svelte";
import "../lib/theme.css";
import FullWindow from "./FullWindow.svelte";

const target = document.getElementById("app");
if (!target) throw new Error("window.html has no #app element");

export default mount(FullWindow, { target });
