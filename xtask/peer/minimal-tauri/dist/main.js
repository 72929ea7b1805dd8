// Calls the one command once the page loads, then shows its answer.
window.__TAURI__.core.invoke("answer").then((text) => {
  document.getElementById("answer").textContent = text;
  document.getElementById("out").hidden = false;
});
