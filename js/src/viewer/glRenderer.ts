import { MAX_CHANNELS, type Mix, type PlaneStack, type Rect, type Renderer, type RgbaTile } from './renderer';

const VERTEX = `#version 300 es
in vec2 a_pos;
uniform vec4 u_rect; // x, y, width, height in clip space
out vec2 v_uv;
void main() {
  v_uv = a_pos;
  gl_Position = vec4(u_rect.xy + a_pos * u_rect.zw, 0.0, 1.0);
}`;

// The colour math of colormaps.ts; texelFetch keeps it nearest-neighbour and exact.
const FRAGMENT = `#version 300 es
precision highp float;
precision highp sampler2DArray;
uniform sampler2DArray u_data;
uniform sampler2D u_lut;
uniform int u_mode; // 0 single (LUT), 1 composite
uniform int u_count;
uniform int u_layer[${MAX_CHANNELS}];
uniform float u_low[${MAX_CHANNELS}];
uniform float u_high[${MAX_CHANNELS}];
uniform vec3 u_color[${MAX_CHANNELS}];
uniform float u_gamma;
in vec2 v_uv;
out vec4 o_color;

float normalized(float v, float lo, float hi) {
  float span = hi - lo;
  float t = span > 0.0 ? (v - lo) / span : (v >= hi ? 1.0 : 0.0);
  t = clamp(t, 0.0, 1.0);
  return u_gamma == 1.0 ? t : pow(t, u_gamma);
}

void main() {
  ivec3 size = textureSize(u_data, 0);
  ivec2 px = clamp(ivec2(floor(v_uv * vec2(size.xy))), ivec2(0), size.xy - 1);
  if (u_mode == 0) {
    float v = texelFetch(u_data, ivec3(px, u_layer[0]), 0).r;
    if (isnan(v)) { o_color = vec4(0.0, 0.0, 0.0, 1.0); return; }
    int index = int(floor(normalized(v, u_low[0], u_high[0]) * 255.0 + 0.5));
    o_color = vec4(texelFetch(u_lut, ivec2(index, 0), 0).rgb, 1.0);
    return;
  }
  vec3 sum = vec3(0.0);
  for (int i = 0; i < ${MAX_CHANNELS}; i++) {
    if (i >= u_count) break;
    float v = texelFetch(u_data, ivec3(px, u_layer[i]), 0).r;
    if (!isnan(v)) sum += normalized(v, u_low[i], u_high[i]) * u_color[i];
  }
  o_color = vec4(clamp(sum, 0.0, 1.0), 1.0);
}`;

// Coloured tiles (labels): their own RGBA, exact (texelFetch), faded by the layer's opacity.
const RGBA_FRAGMENT = `#version 300 es
precision highp float;
uniform sampler2D u_rgba;
uniform float u_opacity;
in vec2 v_uv;
out vec4 o_color;
void main() {
  ivec2 size = textureSize(u_rgba, 0);
  ivec2 px = clamp(ivec2(floor(v_uv * vec2(size))), ivec2(0), size - 1);
  vec4 c = texelFetch(u_rgba, px, 0);
  o_color = vec4(c.rgb, c.a * u_opacity);
}`;

/** Both programs read the quad from one attribute slot. */
const POSITION = 0;

function link(gl: WebGL2RenderingContext, vertex: WebGLShader, fragment: string): WebGLProgram {
  const program = gl.createProgram();
  if (!program) {
    throw new Error('WebGL2: cannot create a program');
  }
  gl.attachShader(program, vertex);
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, fragment));
  gl.bindAttribLocation(program, POSITION, 'a_pos');
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
    throw new Error(`WebGL2 program: ${gl.getProgramInfoLog(program) ?? 'failed'}`);
  }
  return program;
}

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type);
  if (!shader) {
    throw new Error('WebGL2: cannot create a shader');
  }
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    throw new Error(`WebGL2 shader: ${gl.getShaderInfoLog(shader) ?? 'failed'}`);
  }
  return shader;
}

/**
 * Tiles live on the GPU as float texture arrays, one layer per channel, uploaded once;
 * contrast, gamma, colormap and channel changes are uniforms, so they never refetch or upload.
 */
export class GlRenderer implements Renderer {
  readonly kind = 'webgl2' as const;
  private _gl: WebGL2RenderingContext;
  private _program: WebGLProgram;
  private _rgbaProgram: WebGLProgram;
  private _textures = new WeakMap<PlaneStack | RgbaTile, WebGLTexture>();
  private _live = new Set<WebGLTexture>();
  private _lut: WebGLTexture;
  private _lutSource: Uint8Array | null = null;
  private _uniforms: Record<string, WebGLUniformLocation | null> = {};
  private _rgbaUniforms: Record<string, WebGLUniformLocation | null> = {};

  /** A renderer on `canvas`, or null (and `canvas` left without a context) where none can be. */
  static create(canvas: HTMLCanvasElement): GlRenderer | null {
    const gl = canvas.getContext('webgl2', {
      preserveDrawingBuffer: true, // so tests and screenshots can read the canvas back
      antialias: false,
      premultipliedAlpha: false
    });
    if (!gl) {
      return null;
    }
    try {
      return new GlRenderer(gl, canvas);
    } catch {
      return null;
    }
  }

  private constructor(
    gl: WebGL2RenderingContext,
    private readonly _canvas: HTMLCanvasElement
  ) {
    this._gl = gl;
    const vertex = compile(gl, gl.VERTEX_SHADER, VERTEX);
    const program = link(gl, vertex, FRAGMENT);
    this._program = program;
    gl.useProgram(program);
    for (const name of ['u_rect', 'u_data', 'u_lut', 'u_mode', 'u_count', 'u_layer', 'u_low', 'u_high', 'u_color', 'u_gamma']) {
      this._uniforms[name] = gl.getUniformLocation(program, name);
    }
    this._rgbaProgram = link(gl, vertex, RGBA_FRAGMENT);
    for (const name of ['u_rect', 'u_rgba', 'u_opacity']) {
      this._rgbaUniforms[name] = gl.getUniformLocation(this._rgbaProgram, name);
    }
    const quad = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, quad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(POSITION);
    gl.vertexAttribPointer(POSITION, 2, gl.FLOAT, false, 0, 0);
    const lut = gl.createTexture();
    if (!lut) {
      throw new Error('WebGL2: cannot create a texture');
    }
    this._lut = lut;
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
  }

  resize(width: number, height: number): void {
    this._canvas.width = width;
    this._canvas.height = height;
    this._gl.viewport(0, 0, width, height);
  }

  clear(): void {
    const gl = this._gl;
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  private _texture(tile: PlaneStack): WebGLTexture {
    const found = this._textures.get(tile);
    if (found) {
      return found;
    }
    const gl = this._gl;
    const texture = gl.createTexture();
    if (!texture) {
      throw new Error('WebGL2: out of textures');
    }
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D_ARRAY, texture);
    gl.texParameteri(gl.TEXTURE_2D_ARRAY, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D_ARRAY, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D_ARRAY, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D_ARRAY, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.texImage3D(gl.TEXTURE_2D_ARRAY, 0, gl.R32F, tile.width, tile.height, tile.channels, 0, gl.RED, gl.FLOAT, tile.data);
    this._textures.set(tile, texture);
    this._live.add(texture);
    return texture;
  }

  private _bindLut(lut: Uint8Array): void {
    const gl = this._gl;
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, this._lut);
    if (this._lutSource !== lut) {
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB8, 256, 1, 0, gl.RGB, gl.UNSIGNED_BYTE, lut);
      this._lutSource = lut;
    }
  }

  draw(tile: PlaneStack, rect: Rect, mix: Mix): void {
    const gl = this._gl;
    const u = this._uniforms;
    const texture = this._texture(tile);
    gl.useProgram(this._program);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D_ARRAY, texture);
    gl.uniform1i(u.u_data ?? null, 0);
    this._bindLut(mix.lut);
    gl.uniform1i(u.u_lut ?? null, 1);
    this._setRect(u.u_rect ?? null, rect);
    const channels = mix.channels.slice(0, MAX_CHANNELS);
    const layers = new Int32Array(MAX_CHANNELS);
    const lows = new Float32Array(MAX_CHANNELS);
    const highs = new Float32Array(MAX_CHANNELS);
    const colors = new Float32Array(MAX_CHANNELS * 3);
    channels.forEach((c, i) => {
      layers[i] = c.layer;
      lows[i] = c.low;
      highs[i] = c.high;
      colors.set(c.color, i * 3);
    });
    gl.uniform1i(u.u_mode ?? null, mix.mode === 'single' ? 0 : 1);
    gl.uniform1i(u.u_count ?? null, channels.length);
    gl.uniform1iv(u.u_layer ?? null, layers);
    gl.uniform1fv(u.u_low ?? null, lows);
    gl.uniform1fv(u.u_high ?? null, highs);
    gl.uniform3fv(u.u_color ?? null, colors);
    gl.uniform1f(u.u_gamma ?? null, mix.gamma);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  /** Where `rect` is in clip space, which has y up; tile rows go down the screen. */
  private _setRect(location: WebGLUniformLocation | null, rect: Rect): void {
    const w = this._canvas.width;
    const h = this._canvas.height;
    this._gl.uniform4f(location, (rect.x / w) * 2 - 1, 1 - (rect.y / h) * 2, (rect.width / w) * 2, -(rect.height / h) * 2);
  }

  drawRgba(tile: RgbaTile, rect: Rect, opacity: number): void {
    const gl = this._gl;
    let texture = this._textures.get(tile);
    if (!texture) {
      const created = gl.createTexture();
      if (!created) {
        throw new Error('WebGL2: out of textures');
      }
      texture = created;
      gl.activeTexture(gl.TEXTURE2);
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, tile.width, tile.height, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(tile.pixels.buffer, tile.pixels.byteOffset, tile.pixels.byteLength));
      this._textures.set(tile, texture);
      this._live.add(texture);
    }
    const u = this._rgbaUniforms;
    gl.useProgram(this._rgbaProgram);
    gl.activeTexture(gl.TEXTURE2);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.uniform1i(u.u_rgba ?? null, 2);
    gl.uniform1f(u.u_opacity ?? null, opacity);
    this._setRect(u.u_rect ?? null, rect);
    // Over the image, and the canvas stays opaque: its alpha is not blended.
    gl.enable(gl.BLEND);
    gl.blendFuncSeparate(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA, gl.ZERO, gl.ONE);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.disable(gl.BLEND);
  }

  release(tile: PlaneStack | RgbaTile): void {
    const texture = this._textures.get(tile);
    if (texture) {
      this._gl.deleteTexture(texture);
      this._live.delete(texture);
      this._textures.delete(tile);
    }
  }

  dispose(): void {
    for (const texture of this._live) {
      this._gl.deleteTexture(texture);
    }
    this._live.clear();
    this._gl.deleteTexture(this._lut);
    this._gl.deleteProgram(this._program);
    this._gl.deleteProgram(this._rgbaProgram);
  }
}
