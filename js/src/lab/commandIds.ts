/** Command ids of the JupyterLab plugin, in one place for the menu, palette and restorer. */
export const CommandIds = {
  open: 'zarrview:open',
  openDocument: 'zarrview:open-document',
  openSelected: 'zarrview:open-selected',
  openFolder: 'zarrview:open-folder',
  openPath: 'zarrview:open-path',
  share: 'zarrview:share',
  shareSelected: 'zarrview:share-selected'
} as const;
