/** The simulator page (placeholder until the page is written). */
export const SIMULATOR_PAGE = '<!doctype html><title>CIBA simulator</title><p>The simulator page is being written.</p>';
