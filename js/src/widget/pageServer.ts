/** The Jupyter server the page came from, if any: its base URL and token. */
export interface IPageServer {
  baseUrl: string;
  token: string;
}

/**
 * JupyterLab and Notebook 7 pages carry their server's settings in `jupyter-config-data`;
 * other front ends (VS Code, Colab) have none, and then only kernel messages can work.
 */
export function pageServer(doc: Document = document): IPageServer | null {
  const script = doc.getElementById('jupyter-config-data');
  if (!script?.textContent) {
    return null;
  }
  try {
    const config = JSON.parse(script.textContent) as { baseUrl?: unknown; token?: unknown };
    if (typeof config.baseUrl !== 'string') {
      return null;
    }
    return { baseUrl: config.baseUrl, token: typeof config.token === 'string' ? config.token : '' };
  } catch {
    return null;
  }
}
