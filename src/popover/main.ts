import { mount } from "svelte";
import "../lib/theme.css";
import Popover from "./Popover.svelte";

const target = document.getElementById("app");
if (!target) throw new Error("popover.html has no #app element");

export default mount(Popover, { target });
