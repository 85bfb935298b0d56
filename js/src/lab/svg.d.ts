// The lab extension's build (rspack's asset/source) imports an .svg file as its text.
declare module '*.svg' {
  const svgstr: string;
  export default svgstr;
}
