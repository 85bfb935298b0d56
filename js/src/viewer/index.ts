export * from './memoryModel';
export * from './mountViewer';
export * from './viewModel';
export * from './viewState';
