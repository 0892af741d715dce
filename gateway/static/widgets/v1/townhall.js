/*! Townhall widgets 1.0.0 | licences: LICENSES.txt */
var xe=globalThis,et=r=>r,re=xe.trustedTypes,tt=re?re.createPolicy("lit-html",{createHTML:r=>r}):void 0,Te="$lit$",T=`lit$${Math.random().toFixed(9).slice(2)}$`,Se="?"+T,Xt=`<${Se}>`,I=document,G=()=>I.createComment(""),Y=r=>r===null||typeof r!="object"&&typeof r!="function",Ne=Array.isArray,at=r=>Ne(r)||typeof r?.[Symbol.iterator]=="function",_e=`[ 	
\f\r]`,V=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,it=/-->/g,rt=/>/g,D=RegExp(`>|${_e}(?:([^\\s"'>=/]+)(${_e}*=${_e}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),st=/'/g,nt=/"/g,ct=/^(?:script|style|textarea|title)$/i,Ce=r=>(e,...t)=>({_$litType$:r,strings:e,values:t}),c=Ce(1),Ii=Ce(2),Pi=Ce(3),w=Symbol.for("lit-noChange"),d=Symbol.for("lit-nothing"),ot=new WeakMap,L=I.createTreeWalker(I,129);function lt(r,e){if(!Ne(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return tt!==void 0?tt.createHTML(e):e}var dt=(r,e)=>{let t=r.length-1,i=[],s,n=e===2?"<svg>":e===3?"<math>":"",o=V;for(let a=0;a<t;a++){let l=r[a],h,u,p=-1,f=0;for(;f<l.length&&(o.lastIndex=f,u=o.exec(l),u!==null);)f=o.lastIndex,o===V?u[1]==="!--"?o=it:u[1]!==void 0?o=rt:u[2]!==void 0?(ct.test(u[2])&&(s=RegExp("</"+u[2],"g")),o=D):u[3]!==void 0&&(o=D):o===D?u[0]===">"?(o=s??V,p=-1):u[1]===void 0?p=-2:(p=o.lastIndex-u[2].length,h=u[1],o=u[3]===void 0?D:u[3]==='"'?nt:st):o===nt||o===st?o=D:o===it||o===rt?o=V:(o=D,s=void 0);let m=o===D&&r[a+1].startsWith("/>")?" ":"";n+=o===V?l+Xt:p>=0?(i.push(h),l.slice(0,p)+Te+l.slice(p)+T+m):l+T+(p===-2?a:m)}return[lt(r,n+(r[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),i]},J=class r{constructor({strings:e,_$litType$:t},i){let s;this.parts=[];let n=0,o=0,a=e.length-1,l=this.parts,[h,u]=dt(e,t);if(this.el=r.createElement(h,i),L.currentNode=this.el.content,t===2||t===3){let p=this.el.content.firstChild;p.replaceWith(...p.childNodes)}for(;(s=L.nextNode())!==null&&l.length<a;){if(s.nodeType===1){if(s.hasAttributes())for(let p of s.getAttributeNames())if(p.endsWith(Te)){let f=u[o++],m=s.getAttribute(p).split(T),g=/([.?@])?(.*)/.exec(f);l.push({type:1,index:n,name:g[2],strings:m,ctor:g[1]==="."?ne:g[1]==="?"?oe:g[1]==="@"?ae:U}),s.removeAttribute(p)}else p.startsWith(T)&&(l.push({type:6,index:n}),s.removeAttribute(p));if(ct.test(s.tagName)){let p=s.textContent.split(T),f=p.length-1;if(f>0){s.textContent=re?re.emptyScript:"";for(let m=0;m<f;m++)s.append(p[m],G()),L.nextNode(),l.push({type:2,index:++n});s.append(p[f],G())}}}else if(s.nodeType===8)if(s.data===Se)l.push({type:2,index:n});else{let p=-1;for(;(p=s.data.indexOf(T,p+1))!==-1;)l.push({type:7,index:n}),p+=T.length-1}n++}}static createElement(e,t){let i=I.createElement("template");return i.innerHTML=e,i}};function P(r,e,t=r,i){if(e===w)return e;let s=i!==void 0?t._$Co?.[i]:t._$Cl,n=Y(e)?void 0:e._$litDirective$;return s?.constructor!==n&&(s?._$AO?.(!1),n===void 0?s=void 0:(s=new n(r),s._$AT(r,t,i)),i!==void 0?(t._$Co??=[])[i]=s:t._$Cl=s),s!==void 0&&(e=P(r,s._$AS(r,e.values),s,i)),e}var se=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:i}=this._$AD,s=(e?.creationScope??I).importNode(t,!0);L.currentNode=s;let n=L.nextNode(),o=0,a=0,l=i[0];for(;l!==void 0;){if(o===l.index){let h;l.type===2?h=new M(n,n.nextSibling,this,e):l.type===1?h=new l.ctor(n,l.name,l.strings,this,e):l.type===6&&(h=new ce(n,this,e)),this._$AV.push(h),l=i[++a]}o!==l?.index&&(n=L.nextNode(),o++)}return L.currentNode=I,s}p(e){let t=0;for(let i of this._$AV)i!==void 0&&(i.strings!==void 0?(i._$AI(e,i,t),t+=i.strings.length-2):i._$AI(e[t])),t++}},M=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,i,s){this.type=2,this._$AH=d,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=i,this.options=s,this._$Cv=s?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=P(this,e,t),Y(e)?e===d||e==null||e===""?(this._$AH!==d&&this._$AR(),this._$AH=d):e!==this._$AH&&e!==w&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):at(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==d&&Y(this._$AH)?this._$AA.nextSibling.data=e:this.T(I.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:i}=e,s=typeof i=="number"?this._$AC(e):(i.el===void 0&&(i.el=J.createElement(lt(i.h,i.h[0]),this.options)),i);if(this._$AH?._$AD===s)this._$AH.p(t);else{let n=new se(s,this),o=n.u(this.options);n.p(t),this.T(o),this._$AH=n}}_$AC(e){let t=ot.get(e.strings);return t===void 0&&ot.set(e.strings,t=new J(e)),t}k(e){Ne(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,i,s=0;for(let n of e)s===t.length?t.push(i=new r(this.O(G()),this.O(G()),this,this.options)):i=t[s],i._$AI(n),s++;s<t.length&&(this._$AR(i&&i._$AB.nextSibling,s),t.length=s)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let i=et(e).nextSibling;et(e).remove(),e=i}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},U=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,i,s,n){this.type=1,this._$AH=d,this._$AN=void 0,this.element=e,this.name=t,this._$AM=s,this.options=n,i.length>2||i[0]!==""||i[1]!==""?(this._$AH=Array(i.length-1).fill(new String),this.strings=i):this._$AH=d}_$AI(e,t=this,i,s){let n=this.strings,o=!1;if(n===void 0)e=P(this,e,t,0),o=!Y(e)||e!==this._$AH&&e!==w,o&&(this._$AH=e);else{let a=e,l,h;for(e=n[0],l=0;l<n.length-1;l++)h=P(this,a[i+l],t,l),h===w&&(h=this._$AH[l]),o||=!Y(h)||h!==this._$AH[l],h===d?e=d:e!==d&&(e+=(h??"")+n[l+1]),this._$AH[l]=h}o&&!s&&this.j(e)}j(e){e===d?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},ne=class extends U{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===d?void 0:e}},oe=class extends U{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==d)}},ae=class extends U{constructor(e,t,i,s,n){super(e,t,i,s,n),this.type=5}_$AI(e,t=this){if((e=P(this,e,t,0)??d)===w)return;let i=this._$AH,s=e===d&&i!==d||e.capture!==i.capture||e.once!==i.once||e.passive!==i.passive,n=e!==d&&(i===d||s);s&&this.element.removeEventListener(this.name,this,i),n&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},ce=class{constructor(e,t,i){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=i}get _$AU(){return this._$AM._$AU}_$AI(e){P(this,e)}},ht={M:Te,P:T,A:Se,C:1,L:dt,R:se,D:at,V:P,I:M,H:U,N:oe,U:ae,B:ne,F:ce},ei=xe.litHtmlPolyfillSupport;ei?.(J,M),(xe.litHtmlVersions??=[]).push("3.3.3");var pt=(r,e,t)=>{let i=t?.renderBefore??e,s=i._$litPart$;if(s===void 0){let n=t?.renderBefore??null;i._$litPart$=s=new M(e.insertBefore(G(),n),n,void 0,t??{})}return s._$AI(r),s};var A={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},H=r=>(...e)=>({_$litDirective$:r,values:e}),N=class{constructor(e){}get _$AU(){return this._$AM._$AU}_$AT(e,t,i){this._$Ct=e,this._$AM=t,this._$Ci=i}_$AS(e,t){return this.update(e,t)}update(e,t){return this.render(...t)}};var{I:ti}=ht,ut=r=>r;var ft=r=>r.strings===void 0,mt=()=>document.createComment(""),F=(r,e,t)=>{let i=r._$AA.parentNode,s=e===void 0?r._$AB:e._$AA;if(t===void 0){let n=i.insertBefore(mt(),s),o=i.insertBefore(mt(),s);t=new ti(n,o,r,r.options)}else{let n=t._$AB.nextSibling,o=t._$AM,a=o!==r;if(a){let l;t._$AQ?.(r),t._$AM=r,t._$AP!==void 0&&(l=r._$AU)!==o._$AU&&t._$AP(l)}if(n!==s||a){let l=t._$AA;for(;l!==n;){let h=ut(l).nextSibling;ut(i).insertBefore(l,s),l=h}}}return t},C=(r,e,t=r)=>(r._$AI(e,t),r),ii={},le=(r,e=ii)=>r._$AH=e,yt=r=>r._$AH,de=r=>{r._$AR(),r._$AA.remove()};var gt=(r,e,t)=>{let i=new Map;for(let s=e;s<=t;s++)i.set(r[s],s);return i},B=H(class extends N{constructor(r){if(super(r),r.type!==A.CHILD)throw Error("repeat() can only be used in text expressions")}dt(r,e,t){let i;t===void 0?t=e:e!==void 0&&(i=e);let s=[],n=[],o=0;for(let a of r)s[o]=i?i(a,o):o,n[o]=t(a,o),o++;return{values:n,keys:s}}render(r,e,t){return this.dt(r,e,t).values}update(r,[e,t,i]){let s=yt(r),{values:n,keys:o}=this.dt(e,t,i);if(!Array.isArray(s))return this.ut=o,n;let a=this.ut??=[],l=[],h,u,p=0,f=s.length-1,m=0,g=n.length-1;for(;p<=f&&m<=g;)if(s[p]===null)p++;else if(s[f]===null)f--;else if(a[p]===o[m])l[m]=C(s[p],n[m]),p++,m++;else if(a[f]===o[g])l[g]=C(s[f],n[g]),f--,g--;else if(a[p]===o[g])l[g]=C(s[p],n[g]),F(r,l[g+1],s[p]),p++,g--;else if(a[f]===o[m])l[m]=C(s[f],n[m]),F(r,s[p],s[f]),f--,m++;else if(h===void 0&&(h=gt(o,m,g),u=gt(a,p,f)),h.has(a[p]))if(h.has(a[f])){let E=u.get(o[m]),Ae=E!==void 0?s[E]:null;if(Ae===null){let Xe=F(r,s[p]);C(Xe,n[m]),l[m]=Xe}else l[m]=C(Ae,n[m]),F(r,s[p],Ae),s[E]=null;m++}else de(s[f]),f--;else de(s[p]),p++;for(;m<=g;){let E=F(r,l[g+1]);C(E,n[m]),l[m++]=E}for(;p<=f;){let E=s[p++];E!==null&&de(E)}return this.ut=o,le(r,l),w}});var he=globalThis,pe=he.ShadowRoot&&(he.ShadyCSS===void 0||he.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,Re=Symbol(),bt=new WeakMap,Q=class{constructor(e,t,i){if(this._$cssResult$=!0,i!==Re)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(pe&&e===void 0){let i=t!==void 0&&t.length===1;i&&(e=bt.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),i&&bt.set(t,e))}return e}toString(){return this.cssText}},wt=r=>new Q(typeof r=="string"?r:r+"",void 0,Re),$=(r,...e)=>{let t=r.length===1?r[0]:e.reduce((i,s,n)=>i+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(s)+r[n+1],r[0]);return new Q(t,r,Re)},vt=(r,e)=>{if(pe)r.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let i=document.createElement("style"),s=he.litNonce;s!==void 0&&i.setAttribute("nonce",s),i.textContent=t.cssText,r.appendChild(i)}},Oe=pe?r=>r:r=>r instanceof CSSStyleSheet?(e=>{let t="";for(let i of e.cssRules)t+=i.cssText;return wt(t)})(r):r;var{is:ri,defineProperty:si,getOwnPropertyDescriptor:ni,getOwnPropertyNames:oi,getOwnPropertySymbols:ai,getPrototypeOf:ci}=Object,ue=globalThis,$t=ue.trustedTypes,li=$t?$t.emptyScript:"",di=ue.reactiveElementPolyfillSupport,Z=(r,e)=>r,De={toAttribute(r,e){switch(e){case Boolean:r=r?li:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,e){let t=r;switch(e){case Boolean:t=r!==null;break;case Number:t=r===null?null:Number(r);break;case Object:case Array:try{t=JSON.parse(r)}catch{t=null}}return t}},kt=(r,e)=>!ri(r,e),Et={attribute:!0,type:String,converter:De,reflect:!1,useDefault:!1,hasChanged:kt};Symbol.metadata??=Symbol("metadata"),ue.litPropertyMetadata??=new WeakMap;var S=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=Et){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let i=Symbol(),s=this.getPropertyDescriptor(e,i,t);s!==void 0&&si(this.prototype,e,s)}}static getPropertyDescriptor(e,t,i){let{get:s,set:n}=ni(this.prototype,e)??{get(){return this[t]},set(o){this[t]=o}};return{get:s,set(o){let a=s?.call(this);n?.call(this,o),this.requestUpdate(e,a,i)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??Et}static _$Ei(){if(this.hasOwnProperty(Z("elementProperties")))return;let e=ci(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(Z("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(Z("properties"))){let t=this.properties,i=[...oi(t),...ai(t)];for(let s of i)this.createProperty(s,t[s])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[i,s]of t)this.elementProperties.set(i,s)}this._$Eh=new Map;for(let[t,i]of this.elementProperties){let s=this._$Eu(t,i);s!==void 0&&this._$Eh.set(s,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let i=new Set(e.flat(1/0).reverse());for(let s of i)t.unshift(Oe(s))}else e!==void 0&&t.push(Oe(e));return t}static _$Eu(e,t){let i=t.attribute;return i===!1?void 0:typeof i=="string"?i:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let i of t.keys())this.hasOwnProperty(i)&&(e.set(i,this[i]),delete this[i]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return vt(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,i){this._$AK(e,i)}_$ET(e,t){let i=this.constructor.elementProperties.get(e),s=this.constructor._$Eu(e,i);if(s!==void 0&&i.reflect===!0){let n=(i.converter?.toAttribute!==void 0?i.converter:De).toAttribute(t,i.type);this._$Em=e,n==null?this.removeAttribute(s):this.setAttribute(s,n),this._$Em=null}}_$AK(e,t){let i=this.constructor,s=i._$Eh.get(e);if(s!==void 0&&this._$Em!==s){let n=i.getPropertyOptions(s),o=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:De;this._$Em=s;let a=o.fromAttribute(t,n.type);this[s]=a??this._$Ej?.get(s)??a,this._$Em=null}}requestUpdate(e,t,i,s=!1,n){if(e!==void 0){let o=this.constructor;if(s===!1&&(n=this[e]),i??=o.getPropertyOptions(e),!((i.hasChanged??kt)(n,t)||i.useDefault&&i.reflect&&n===this._$Ej?.get(e)&&!this.hasAttribute(o._$Eu(e,i))))return;this.C(e,t,i)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:i,reflect:s,wrapped:n},o){i&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,o??t??this[e]),n!==!0||o!==void 0)||(this._$AL.has(e)||(this.hasUpdated||i||(t=void 0),this._$AL.set(e,t)),s===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[s,n]of this._$Ep)this[s]=n;this._$Ep=void 0}let i=this.constructor.elementProperties;if(i.size>0)for(let[s,n]of i){let{wrapped:o}=n,a=this[s];o!==!0||this._$AL.has(s)||a===void 0||this.C(s,void 0,n,a)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(i=>i.hostUpdate?.()),this.update(t)):this._$EM()}catch(i){throw e=!1,this._$EM(),i}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};S.elementStyles=[],S.shadowRootOptions={mode:"open"},S[Z("elementProperties")]=new Map,S[Z("finalized")]=new Map,di?.({ReactiveElement:S}),(ue.reactiveElementVersions??=[]).push("2.1.2");var Le=globalThis,R=class extends S{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=pt(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return w}};R._$litElement$=!0,R.finalized=!0,Le.litElementHydrateSupport?.({LitElement:R});var hi=Le.litElementPolyfillSupport;hi?.({LitElement:R});(Le.litElementVersions??=[]).push("4.2.2");var x={endpoint:null,getToken:null,lang:null,generation:0},X=new Promise(r=>setTimeout(r,0)),At=!1;X.then(()=>At=!0);function _t(){return At}var me="townhall-configured";function xt(r={}){if(r.endpoint!==void 0&&(x.endpoint=r.endpoint?String(new URL(r.endpoint,document.baseURI)):null),r.getToken!==void 0){if(r.getToken!==null&&typeof r.getToken!="function")throw new TypeError("townhall.configure: getToken must be a function returning a token");x.getToken=r.getToken}return r.lang!==void 0&&(x.lang=r.lang||null),x.generation+=1,window.dispatchEvent(new CustomEvent(me,{detail:_()})),_()}function _(){return{endpoint:x.endpoint??String(new URL("/graphql",import.meta.url)),getToken:x.getToken,lang:x.lang,generation:x.generation}}function Tt(r){let e=r.getAttribute("lang");if(e)return e;if(x.lang)return x.lang;for(let t=r.parentNode;t;){if(t.nodeType===1&&t.hasAttribute("lang"))return t.getAttribute("lang");t=t.parentNode??t.host}return"en-GB"}var fe={ActivityAdded:{hash:"fafb810fdfdf191717d4de71c97b8011531deb92bfefa54aae4134e466d76573",kind:"subscription"},AddComment:{hash:"2fca66a4f38afb11fc13826b011e76d8cc343c485bf4f6a50f79b0d22d2fa813",kind:"mutation"},CommentEvents:{hash:"062d84e71858e1b5b480cfd2a32a698616b68359e1bb8cae839d8e164214bccf",kind:"subscription"},CommentThread:{hash:"8092c58473ef35146360b4210bac20cf92afcd6e7a1e2f1c2d46dd7b2a14fa9f",kind:"query"},DeleteComment:{hash:"847c97ba9f8c0f0352bc4daa29ac90f52ccfc58673839b8eadea3ba2b6418356",kind:"mutation"},DocumentActivityFeed:{hash:"a6f66999d9f582aa64f6a92aac302e44cf0ac7534c0b87fc4ef4c8f498819aea",kind:"query"},EditComment:{hash:"672ad1836911c4330f40fecfd77782a292d0cc78b4e121c94821b5325265bee7",kind:"mutation"},ExpertSearch:{hash:"e28f2e1fe98c5f1e56bd3f8465aba404000c834339216f2c1346dafb6fc99fde",kind:"query"},FollowPerson:{hash:"6dd74ede8c3beac3d345c527fa9e5ecd90caad4133845ada4a03e527da03810b",kind:"mutation"},HomeFeed:{hash:"63d22ea4f4cfa9bfe61618924ead56d4ef12d23c5e602ccf0ef8725cf4de3145",kind:"query"},MarkNotificationsRead:{hash:"f50852e12df7d2e30eb8ab5e82c8e3b442cd33316120b06e26e630a83deb46c1",kind:"mutation"},MentionSuggestions:{hash:"e0f0b7013be7de92a98b087bebed1d7b2c1ecf56e42af4b567811129732c2c0f",kind:"query"},NotificationAdded:{hash:"ad62a56124e36eaba1980e7e156835d293bd9d69b741bceaeac217370c8696a0",kind:"subscription"},Notifications:{hash:"329484dad70fd09f3703750fa4cce2c9bd4926e05e3085135e8814c18a6abbea",kind:"query"},OrgChart:{hash:"f10fb9112abbb826fb12d7095a2cfe7883d698aba4a67dcbf8d31459b04e3c51",kind:"query"},OrgChartReports:{hash:"7da4393fefbb3b8e034e009352941221e55e93a879d28f55d230725e9eb3a463",kind:"query"},PeopleSearch:{hash:"cdd3b5f2a6e03d3d8d350119c0267e11a7f112098cc33704fbad54d3c5d7aab5",kind:"query"},PersonActivityFeed:{hash:"13c01f6f61f057d8c4287dd6a5788ea6a57905f75e9174d64e84865565f530c7",kind:"query"},PersonCard:{hash:"afe7d092b11abef53f1ce176389a59014b82d0f5a53a9dbdfee33b52b68ddd35",kind:"query"},PersonLookup:{hash:"55bc49d59f3246c4ea785222cbf0826850d113c63dc5e1e55bd039b1cc1feeb1",kind:"query"},React:{hash:"0b4de7a9d910848404141527d3e74dd2a4ea07ae55dd15a39da5f965f7d435c8",kind:"mutation"},TagActivityFeed:{hash:"717b9d01f87a3a2da585c2d946ca6c8a4e39fd20da53460110548991dd208f3c",kind:"query"},UnfollowPerson:{hash:"4d2d04ac0d0f23a2fc82ecf83cece01d3c9bc385d94d95614b56b0e38550e1dc",kind:"mutation"},Unreact:{hash:"f4462d309350b5a1a6b0948511c80ce724379e1b9bb9a9d0c35900028df46b38",kind:"mutation"},UnreadNotificationCount:{hash:"943f1ad8ae477d2a706bc7c3b79e95961d9cf40e093de54b07c63fe3934fbc3e",kind:"query"}};var pi=3e4,ui=Symbol("townhall.errors"),ee=new Map,y=class extends Error{constructor(e,t="",{status:i=0,retryAfter:s=null,path:n=null}={}){super(t||e),this.name="TownhallError",this.code=e,this.status=i,this.retryAfter=s,this.path=n,this.fromServer=!!t}};async function Pe(r=!1){let{getToken:e}=_();if(!e)return null;try{let t=await e(r?{refresh:!0}:void 0);return t?String(t).replace(/^Bearer\s+/i,""):null}catch{throw new y("TOKEN_UNAVAILABLE")}}function ye(r,e={},t={}){let i=fe[r];if(!i)return Promise.reject(new y("UNKNOWN_OPERATION"));let s=t.endpoint||_().endpoint;if(i.kind!=="query")return ee.clear(),Ie(s,r,i,e,t.signal);let n=`${s}
${r}
${JSON.stringify(e)}`,o=ee.get(n);if(o&&!t.fresh&&Date.now()-o.at<pi)return o.promise;let a=Ie(s,r,i,e);return ee.set(n,{at:Date.now(),promise:a}),a.catch(()=>ee.get(n)?.promise===a&&ee.delete(n)),a}async function Ie(r,e,t,i,s,n=!1){await X;let o=await Pe(n),a={"Content-Type":"application/json",Accept:"application/graphql-response+json, application/json"};o&&(a.Authorization=`Bearer ${o}`);let l=JSON.stringify({operationName:e,variables:i,extensions:{persistedQuery:{version:1,sha256Hash:t.hash}}}),h;try{h=await fetch(r,{method:"POST",mode:"cors",credentials:o?"omit":"include",headers:a,body:l,signal:s})}catch(E){throw E?.name==="AbortError"?E:new y("NETWORK")}if(h.status===401&&o&&!n)return Ie(r,e,t,i,s,!0);let u=null;try{u=await h.json()}catch{u=null}let p=Array.isArray(u?.errors)?u.errors:[],f=u?.data??null;if(f&&typeof f=="object")return p.length&&Object.defineProperty(f,ui,{value:p}),f;let m=p[0],g=Number(h.headers.get("Retry-After"))||null;throw m?new y(m.extensions?.code||"GRAPHQL_ERROR",m.message||"",{status:h.status,retryAfter:g,path:m.path??null}):new y(`HTTP_${h.status}`,"",{status:h.status,retryAfter:g})}var mi="graphql-transport-ws",fi=25e3,yi=new Set([4400,4404,4406,4409]),ge=new Map;function Nt(r,e,t,i={}){let s=fe[r];if(!s||s.kind!=="subscription")return queueMicrotask(()=>t.error?.(new y("UNKNOWN_OPERATION"))),()=>{};let n=i.endpoint||_().endpoint,o=ge.get(n);o||(o=new Ue(n),ge.set(n,o));let a={operationName:r,variables:e??{},extensions:{persistedQuery:{version:1,sha256Hash:s.hash}}};return o.add(a,t)}function gi(r){let e=new URL(r,document.baseURI);return e.protocol=e.protocol==="https:"?"wss:":"ws:",e.href}var Ue=class{constructor(e){this.endpoint=e,this.subs=new Map,this.nextId=1,this.socket=null,this.acked=!1,this.attempt=0,this.timer=null,this.pinger=null,this.opening=!1,this.refreshToken=!1,this.refreshed=!1,this.onOnline=()=>this.attempt&&this.reconnectNow()}add(e,t){let i=String(this.nextId++);return this.subs.set(i,{payload:e,handlers:t}),this.acked?this.send({id:i,type:"subscribe",payload:e}):!this.socket&&!this.timer&&!this.opening&&this.open(),()=>this.remove(i,!0)}remove(e,t){this.subs.delete(e)&&(t&&this.acked&&this.send({id:e,type:"complete"}),this.subs.size===0&&this.close())}async open(){this.timer=null,this.opening=!0,window.addEventListener("online",this.onOnline);let e=null;try{await X,e=await Pe(this.refreshToken)}catch(i){return this.opening=!1,this.failAll(i)}if(this.opening=!1,this.refreshed=this.refreshToken,this.refreshToken=!1,this.subs.size===0)return this.close();let t=new WebSocket(gi(this.endpoint),mi);this.socket=t,t.onopen=()=>{this.send({type:"connection_init",payload:e?{authorization:`Bearer ${e}`}:{}})},t.onmessage=i=>t===this.socket&&this.receive(i.data),t.onclose=i=>t===this.socket&&this.closed(i.code,this.acked)}receive(e){let t;try{t=JSON.parse(e)}catch{return this.socket?.close(4400,"Invalid message")}let i=this.subs.get(t.id);switch(t.type){case"connection_ack":this.acked=!0,this.ackedAt=Date.now(),this.attempt=0;for(let[s,n]of this.subs)this.send({id:s,type:"subscribe",payload:n.payload});this.pinger=setInterval(()=>this.send({type:"ping"}),fi);break;case"ping":this.send({type:"pong"});break;case"next":i&&t.payload?.data?i.handlers.next?.(t.payload.data):i&&t.payload?.errors?.length&&i.handlers.error?.(St(t.payload.errors));break;case"error":i&&(this.remove(t.id,!1),i.handlers.error?.(St(t.payload)));break;case"complete":i&&(this.remove(t.id,!1),i.handlers.complete?.());break;default:break}}send(e){this.socket?.readyState===WebSocket.OPEN&&this.socket.send(JSON.stringify(e))}closed(e,t){if(this.reset(),this.subs.size===0)return;let i=e===4401||e===4403;if(yi.has(e)||i&&!t&&this.refreshed)return this.failAll(new y(i?"FORBIDDEN":"LIVE_REFUSED"));if(this.refreshToken=i,i&&t&&Date.now()-this.ackedAt>1e4)return this.open();let s=e===4429||e===1013?3e4:Math.min(3e4,1e3*2**this.attempt),n=s/2+Math.random()*(s/2);this.attempt+=1,this.timer=setTimeout(()=>this.open(),n)}reconnectNow(){this.timer&&(clearTimeout(this.timer),this.open())}failAll(e){let t=[...this.subs.values()];this.subs.clear(),this.close();for(let i of t)i.handlers.error?.(e)}reset(){clearInterval(this.pinger),this.pinger=null,this.acked=!1,this.socket=null}close(){clearTimeout(this.timer),this.timer=null,window.removeEventListener("online",this.onOnline);let e=this.socket;this.reset(),e?.readyState===WebSocket.CONNECTING?e.onopen=()=>e.close(1e3):e?.readyState===WebSocket.OPEN&&e.close(1e3,"Normal Closure"),ge.get(this.endpoint)===this&&ge.delete(this.endpoint)}};function St(r){let e=Array.isArray(r)?r[0]:null;return new y(e?.extensions?.code||"GRAPHQL_ERROR",e?.message||"")}var O=$`
  :host {
    --th-font: var(--townhall-font, inherit);
    --th-text: var(--townhall-text, #0b0c0c);
    --th-muted: var(--townhall-muted, #505a5f);
    --th-background: var(--townhall-background, #ffffff);
    --th-surface: var(--townhall-surface, #f3f2f1);
    --th-border: var(--townhall-border, #b1b4b6);
    --th-control-border: var(--townhall-control-border, #505a5f);
    --th-accent: var(--townhall-accent, #1d70b8);
    --th-accent-text: var(--townhall-accent-text, #ffffff);
    --th-danger: var(--townhall-danger, #a8071a);
    --th-focus: var(--townhall-focus-ring, #0b0c0c);
    --th-radius: var(--townhall-radius, 6px);
    --th-space: var(--townhall-spacing, 8px);
    display: block;
    box-sizing: border-box;
    font-family: var(--th-font);
    color: var(--th-text);
    background: var(--th-background);
    line-height: 1.4;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  :focus-visible {
    outline: 3px solid var(--th-focus);
    outline-offset: 2px;
  }
  a {
    color: var(--th-accent);
  }
  a:hover {
    text-decoration-thickness: 3px;
  }
  button,
  input {
    font: inherit;
    color: inherit;
  }
  button {
    cursor: pointer;
    border: 1px solid var(--th-control-border);
    border-radius: var(--th-radius);
    background: var(--th-background);
    padding: calc(var(--th-space) / 2) var(--th-space);
    min-height: 24px;
  }
  button.primary,
  button[aria-pressed='false'] {
    background: var(--th-accent);
    border-color: var(--th-accent);
    color: var(--th-accent-text);
  }
  button:disabled {
    cursor: default;
    opacity: 0.7;
  }
  button.link {
    border: 0;
    padding: 0;
    min-height: 0;
    background: none;
    color: var(--th-accent);
    text-decoration: underline;
  }
  input {
    border: 1px solid var(--th-control-border);
    border-radius: var(--th-radius);
    background: var(--th-background);
    padding: calc(var(--th-space) / 2) var(--th-space);
  }
  .status {
    color: var(--th-muted);
    margin: var(--th-space) 0;
    animation: th-pulse 1.5s ease-in-out infinite;
  }
  .error {
    color: var(--th-danger);
    margin: var(--th-space) 0;
  }
  .empty,
  .muted {
    color: var(--th-muted);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  @keyframes th-pulse {
    50% {
      opacity: 0.55;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation: none !important;
      transition: none !important;
      scroll-behavior: auto !important;
    }
  }
  @media (forced-colors: active) {
    button.primary,
    button[aria-pressed='false'] {
      border: 1px solid ButtonText;
    }
  }
`;var Ct={"core.loading":"Wrthi’n llwytho…","core.retry":"Rhowch gynnig arall arni","core.empty":"Dim byd i’w ddangos.","core.error.NETWORK":"Doedd dim modd cyrraedd Townhall. Gwiriwch eich cysylltiad a rhowch gynnig arall arni.","core.error.UNAUTHENTICATED":"Mewngofnodwch i weld hyn.","core.error.FORBIDDEN":"Does gennych chi ddim mynediad at hyn.","core.error.TOKEN_UNAVAILABLE":"Doedd dim modd gwirio eich mewngofnodi. Ail-lwythwch y dudalen i roi cynnig arall arni.","core.error.NOT_FOUND":"Heb ei ganfod.","core.error.other":"Aeth rhywbeth o’i le. Rhowch gynnig arall arni.","person-card.manager":"Rheolwr","person-card.email":"E-bost","person-card.telephone":"Ffôn","person-card.mobile":"Ffôn symudol","person-card.workingPattern":"Patrwm gweithio","person-card.workStyle":"Yn gweithio","person-card.location":"Lleoliad","person-card.follow":"Dilyn","person-card.unfollow":"Peidio â dilyn","person-card.followers.zero":"{count} dilynwr","person-card.followers.one":"{count} dilynwr","person-card.followers.two":"{count} ddilynwr","person-card.followers.few":"{count} dilynwr","person-card.followers.many":"{count} dilynwr","person-card.followers.other":"{count} dilynwr","person-card.lastActivity":"Diweddaraf:","person-card.noActivity":"Dim gweithgarwch eto.","person-card.leaver":"Ddim yn gweithio yma mwyach","org-chart.label":"Siart sefydliad {name}","org-chart.loadingReports":"Wrthi’n llwytho’r bobl sy’n adrodd i {name}…","org-chart.reports.zero":"{count} adroddiad uniongyrchol","org-chart.reports.one":"{count} adroddiad uniongyrchol","org-chart.reports.two":"{count} adroddiad uniongyrchol","org-chart.reports.few":"{count} adroddiad uniongyrchol","org-chart.reports.many":"{count} adroddiad uniongyrchol","org-chart.reports.other":"{count} adroddiad uniongyrchol","org-chart.you":"(y person hwn)","people-finder.label":"Dod o hyd i bobl","people-finder.mode":"Chwilio am","people-finder.mode.people":"Pobl yn ôl enw, swydd neu dîm","people-finder.mode.experts":"Pwy sy’n gwybod am bwnc","people-finder.input.people":"Enw, teitl swydd neu dîm","people-finder.input.experts":"Pwnc, e.e. apeliadau cynllunio","people-finder.results.people":"Pobl a ganfuwyd","people-finder.results.experts":"Pobl sy’n gwybod am {topic}","people-finder.searching":"Wrthi’n chwilio…","people-finder.found.zero":"Heb ddod o hyd i neb.","people-finder.found.one":"Daethpwyd o hyd i {count} person. Defnyddiwch y saethau i fyny ac i lawr i ddewis.","people-finder.found.two":"Daethpwyd o hyd i {count} berson. Defnyddiwch y saethau i fyny ac i lawr i ddewis.","people-finder.found.few":"Daethpwyd o hyd i {count} pherson. Defnyddiwch y saethau i fyny ac i lawr i ddewis.","people-finder.found.many":"Daethpwyd o hyd i {count} pherson. Defnyddiwch y saethau i fyny ac i lawr i ddewis.","people-finder.found.other":"Daethpwyd o hyd i {count} person. Defnyddiwch y saethau i fyny ac i lawr i ddewis.","people-finder.tooShort":"Teipiwch o leiaf {count} llythyren.","people-finder.reason.DECLARED_SKILL":"Sgil","people-finder.reason.ENDORSED":"Wedi’i gymeradwyo","people-finder.reason.INTEREST":"Diddordeb","people-finder.reason.JOB_TITLE":"Teitl swydd","people-finder.reason.DEPARTMENT":"Tîm","people-finder.reason.WROTE_DOCUMENTS":"Dogfennau","people-finder.reason.other":"Tystiolaeth","comments.label":"Sylwadau","comments.empty":"Does dim sylwadau eto. Byddwch y cyntaf i roi sylw.","comments.more":"Dangos rhagor o sylwadau","comments.new.label":"Ychwanegu sylw","comments.new.submit":"Postio sylw","comments.reply.label":"Ateb {name}","comments.reply.submit":"Postio ateb","comments.edit.label":"Golygu eich sylw","comments.edit.submit":"Cadw’r newidiadau","comments.hint":"Teipiwch @ ac enw i sôn am rywun. Mae Ctrl+Enter yn postio.","comments.sending":"Wrthi’n anfon…","comments.cancel":"Canslo","comments.reply":"Ateb","comments.replyTo":"Ateb {name}","comments.edit":"Golygu","comments.delete":"Dileu","comments.confirmDelete":"Dileu’r sylw hwn?","comments.wasDeleted":"Cafodd y sylw hwn ei ddileu.","comments.wasHidden":"Cafodd y sylw hwn ei guddio gan gymedrolwr.","comments.formerStaff":"Cyn-aelod o staff","comments.editedMark":"wedi’i olygu","comments.replies.zero":"Dim atebion","comments.replies.one":"1 ateb","comments.replies.two":"2 ateb","comments.replies.few":"{count} ateb","comments.replies.many":"{count} ateb","comments.replies.other":"{count} ateb","comments.reactions":"Ymatebion","comments.reaction.LIKE":"Hoffi","comments.reaction.THANKS":"Diolch","comments.reaction.INSIGHTFUL":"Craff","comments.reaction.CELEBRATE":"Dathlu","comments.reaction.SUPPORT":"Cefnogi","comments.posted":"Postiwyd y sylw.","comments.edited":"Cadwyd y sylw.","comments.deleted":"Dilëwyd y sylw.","comments.mentions.label":"Pobl i sôn amdanyn nhw","comments.mentions.none":"Heb ddod o hyd i neb i sôn amdanyn nhw.","comments.mentions.count.one":"1 awgrym: defnyddiwch y saethau i fyny ac i lawr, yna Enter i ddewis.","comments.mentions.count.two":"2 awgrym: defnyddiwch y saethau i fyny ac i lawr, yna Enter i ddewis.","comments.mentions.count.few":"{count} awgrym: defnyddiwch y saethau i fyny ac i lawr, yna Enter i ddewis.","comments.mentions.count.many":"{count} awgrym: defnyddiwch y saethau i fyny ac i lawr, yna Enter i ddewis.","comments.mentions.count.other":"{count} awgrym: defnyddiwch y saethau i fyny ac i lawr, yna Enter i ddewis.","comments.error.empty":"Ysgrifennwch rywbeth cyn postio.","comments.error.tooLong":"Gall sylw fod hyd at {max} nod. Byrhewch ef a rhowch gynnig arall arni.","comments.error.tooManyMentions":"Gall sylw sôn am hyd at {max} o bobl.","comments.error.tooManyTags":"Gall sylw gynnwys hyd at {max} #tag.","comments.error.rateLimited.one":"Rydych chi wedi postio llawer yn ystod y funud ddiwethaf. Rhowch gynnig arall arni ymhen eiliad.","comments.error.rateLimited.other":"Rydych chi wedi postio llawer yn ystod y funud ddiwethaf. Rhowch gynnig arall arni ymhen {count} eiliad.","comments.error.notAllowed":"Allwch chi ddim newid y sylw hwn.","comments.error.notFound":"Dydy’r sylw hwn, neu’r hyn y mae arno, ddim yno bellach.","comments.error.network":"Heb ei anfon: doedd dim modd cyrraedd Townhall. Rhowch gynnig arall arni.","comments.error.failed":"Heb ei anfon. Rhowch gynnig arall arni.","activity-feed.label":"Gweithgarwch","activity-feed.empty":"Does dim byd wedi digwydd yma eto.","activity-feed.more":"Dangos rhagor o weithgarwch","activity-feed.someone":"Rhywun","activity-feed.something":"eitem","activity-feed.newItems.one":"1 eitem newydd ar frig y ffrwd.","activity-feed.newItems.two":"2 eitem newydd ar frig y ffrwd.","activity-feed.newItems.few":"{count} eitem newydd ar frig y ffrwd.","activity-feed.newItems.many":"{count} eitem newydd ar frig y ffrwd.","activity-feed.newItems.other":"{count} eitem newydd ar frig y ffrwd.","activity-feed.actorAndOthers.one":"{actor} ac 1 arall","activity-feed.actorAndOthers.two":"{actor} a 2 arall","activity-feed.actorAndOthers.few":"{actor} a {count} arall","activity-feed.actorAndOthers.many":"{actor} a {count} arall","activity-feed.actorAndOthers.other":"{actor} a {count} arall","activity-feed.verb.commented":"{actor} wedi rhoi sylw ar {object}","activity-feed.verb.replied":"{actor} wedi ateb sylw ar {object}","activity-feed.verb.reacted":"{actor} wedi ymateb i {object}","activity-feed.verb.followed":"{actor} wedi dilyn {object}","activity-feed.verb.updated":"{actor} wedi diweddaru {object}","activity-feed.verb.endorsed":"{actor} wedi cymeradwyo {object}","activity-feed.verb.added_skill":"{actor} wedi ychwanegu’r sgil {object}","activity-feed.verb.updated_profile":"{actor} wedi diweddaru eu proffil","activity-feed.verb.joined":"{actor} wedi ymuno â’r cyngor","activity-feed.verb.moved":"{actor} wedi symud i rôl newydd","activity-feed.verb.left":"{actor} wedi gadael y cyngor","notifications.bell":"Hysbysiadau","notifications.bellUnread.one":"Hysbysiadau, 1 heb ei ddarllen","notifications.bellUnread.two":"Hysbysiadau, 2 heb eu darllen","notifications.bellUnread.few":"Hysbysiadau, {count} heb eu darllen","notifications.bellUnread.many":"Hysbysiadau, {count} heb eu darllen","notifications.bellUnread.other":"Hysbysiadau, {count} heb eu darllen","notifications.bellText":"Hysbysiadau","notifications.title":"Hysbysiadau","notifications.empty":"Does gennych chi ddim hysbysiadau.","notifications.more":"Dangos hysbysiadau hŷn","notifications.markAll":"Marcio’r cyfan wedi’u darllen","notifications.markRead":"Marcio wedi’i ddarllen","notifications.markReadOne":"Marcio wedi’i ddarllen: {text}","notifications.marked.zero":"Doedd dim hysbysiadau i’w marcio.","notifications.marked.one":"Marciwyd 1 hysbysiad wedi’i ddarllen.","notifications.marked.two":"Marciwyd 2 hysbysiad wedi’u darllen.","notifications.marked.few":"Marciwyd {count} hysbysiad wedi’u darllen.","notifications.marked.many":"Marciwyd {count} hysbysiad wedi’u darllen.","notifications.marked.other":"Marciwyd {count} hysbysiad wedi’u darllen.","notifications.unreadMark":"Heb ei ddarllen:","notifications.arrived":"Hysbysiad newydd: {text}","notifications.someone":"Rhywun","notifications.kind.MENTION":"{actor} wedi sôn amdanoch chi","notifications.kind.REPLY":"{actor} wedi ateb eich sylw","notifications.kind.NEW_FOLLOWER":"{actor} wedi dechrau eich dilyn","notifications.kind.REACTION":"{actor} wedi ymateb i’ch neges","notifications.kind.ENDORSEMENT":"{actor} wedi cymeradwyo eich sgil","notifications.kind.FOLLOWED_ACTIVITY":"{actor} wedi postio mewn rhywbeth rydych chi’n ei ddilyn","notifications.kind.DOCUMENT_CHANGED":"Mae dogfen rydych chi’n ei dilyn wedi newid","notifications.kind.REPORT_FILED":"Mae sylw wedi’i adrodd i’w gymedroli","notifications.kind.REPORT_OUTCOME":"Mae cymedrolwr wedi penderfynu ar eich adroddiad","notifications.error.network":"Doedd dim modd cyrraedd Townhall. Rhowch gynnig arall arni.","notifications.error.failed":"Wnaeth hynny ddim gweithio. Rhowch gynnig arall arni."};var Me={"core.loading":"Loading…","core.retry":"Try again","core.empty":"Nothing to show.","core.error.NETWORK":"Townhall could not be reached. Check your connection and try again.","core.error.UNAUTHENTICATED":"Sign in to see this.","core.error.FORBIDDEN":"You do not have access to this.","core.error.TOKEN_UNAVAILABLE":"Your sign-in could not be checked. Reload the page to try again.","core.error.NOT_FOUND":"Not found.","core.error.other":"Something went wrong. Try again.","person-card.manager":"Manager","person-card.email":"Email","person-card.telephone":"Telephone","person-card.mobile":"Mobile","person-card.workingPattern":"Working pattern","person-card.workStyle":"Works","person-card.location":"Location","person-card.follow":"Follow","person-card.unfollow":"Unfollow","person-card.followers.one":"{count} follower","person-card.followers.other":"{count} followers","person-card.lastActivity":"Latest:","person-card.noActivity":"No activity yet.","person-card.leaver":"No longer works here","org-chart.label":"Organisation chart of {name}","org-chart.loadingReports":"Loading the people who report to {name}…","org-chart.reports.one":"{count} direct report","org-chart.reports.other":"{count} direct reports","org-chart.you":"(this person)","people-finder.label":"Find people","people-finder.mode":"Search for","people-finder.mode.people":"People by name, job or team","people-finder.mode.experts":"Who knows about a topic","people-finder.input.people":"Name, job title or team","people-finder.input.experts":"Topic, e.g. planning appeals","people-finder.results.people":"People found","people-finder.results.experts":"People who know about {topic}","people-finder.searching":"Searching…","people-finder.found.zero":"No one found.","people-finder.found.one":"{count} person found. Use the up and down arrows to choose.","people-finder.found.other":"{count} people found. Use the up and down arrows to choose.","people-finder.tooShort":"Type at least {count} letters.","people-finder.reason.DECLARED_SKILL":"Skill","people-finder.reason.ENDORSED":"Endorsed","people-finder.reason.INTEREST":"Interest","people-finder.reason.JOB_TITLE":"Job title","people-finder.reason.DEPARTMENT":"Team","people-finder.reason.WROTE_DOCUMENTS":"Documents","people-finder.reason.other":"Evidence","comments.label":"Comments","comments.empty":"No comments yet. Be the first to comment.","comments.more":"Show more comments","comments.new.label":"Add a comment","comments.new.submit":"Post comment","comments.reply.label":"Reply to {name}","comments.reply.submit":"Post reply","comments.edit.label":"Edit your comment","comments.edit.submit":"Save changes","comments.hint":"Type @ and a name to mention someone. Ctrl+Enter posts.","comments.sending":"Sending…","comments.cancel":"Cancel","comments.reply":"Reply","comments.replyTo":"Reply to {name}","comments.edit":"Edit","comments.delete":"Delete","comments.confirmDelete":"Delete this comment?","comments.wasDeleted":"This comment was deleted.","comments.wasHidden":"This comment was hidden by a moderator.","comments.formerStaff":"A former member of staff","comments.editedMark":"edited","comments.replies.one":"1 reply","comments.replies.other":"{count} replies","comments.reactions":"Reactions","comments.reaction.LIKE":"Like","comments.reaction.THANKS":"Thanks","comments.reaction.INSIGHTFUL":"Insightful","comments.reaction.CELEBRATE":"Celebrate","comments.reaction.SUPPORT":"Support","comments.posted":"Comment posted.","comments.edited":"Comment saved.","comments.deleted":"Comment deleted.","comments.mentions.label":"People to mention","comments.mentions.none":"No one found to mention.","comments.mentions.count.one":"1 suggestion: use the up and down arrows, then Enter to choose.","comments.mentions.count.other":"{count} suggestions: use the up and down arrows, then Enter to choose.","comments.error.empty":"Write something before posting.","comments.error.tooLong":"A comment can be at most {max} characters. Shorten it and try again.","comments.error.tooManyMentions":"A comment can mention at most {max} people.","comments.error.tooManyTags":"A comment can carry at most {max} #tags.","comments.error.rateLimited.one":"You have posted a lot in the last minute. Try again in 1 second.","comments.error.rateLimited.other":"You have posted a lot in the last minute. Try again in {count} seconds.","comments.error.notAllowed":"You cannot change this comment.","comments.error.notFound":"This comment, or what it is on, is no longer there.","comments.error.network":"Not sent: Townhall could not be reached. Try again.","comments.error.failed":"Not sent. Try again.","activity-feed.label":"Activity","activity-feed.empty":"Nothing has happened here yet.","activity-feed.more":"Show more activity","activity-feed.someone":"Someone","activity-feed.something":"an item","activity-feed.newItems.one":"1 new item at the top of the feed.","activity-feed.newItems.other":"{count} new items at the top of the feed.","activity-feed.actorAndOthers.one":"{actor} and 1 other","activity-feed.actorAndOthers.other":"{actor} and {count} others","activity-feed.verb.commented":"{actor} commented on {object}","activity-feed.verb.replied":"{actor} replied to a comment on {object}","activity-feed.verb.reacted":"{actor} reacted to {object}","activity-feed.verb.followed":"{actor} followed {object}","activity-feed.verb.updated":"{actor} updated {object}","activity-feed.verb.endorsed":"{actor} endorsed {object}","activity-feed.verb.added_skill":"{actor} added the skill {object}","activity-feed.verb.updated_profile":"{actor} updated their profile","activity-feed.verb.joined":"{actor} joined the council","activity-feed.verb.moved":"{actor} moved to a new role","activity-feed.verb.left":"{actor} left the council","notifications.bell":"Notifications","notifications.bellUnread.one":"Notifications, 1 unread","notifications.bellUnread.other":"Notifications, {count} unread","notifications.bellText":"Notifications","notifications.title":"Notifications","notifications.empty":"You have no notifications.","notifications.more":"Show older notifications","notifications.markAll":"Mark all as read","notifications.markRead":"Mark as read","notifications.markReadOne":"Mark as read: {text}","notifications.marked.one":"1 notification marked as read.","notifications.marked.other":"{count} notifications marked as read.","notifications.unreadMark":"Unread:","notifications.arrived":"New notification: {text}","notifications.someone":"Someone","notifications.kind.MENTION":"{actor} mentioned you","notifications.kind.REPLY":"{actor} replied to your comment","notifications.kind.NEW_FOLLOWER":"{actor} started following you","notifications.kind.REACTION":"{actor} reacted to your post","notifications.kind.ENDORSEMENT":"{actor} endorsed your skill","notifications.kind.FOLLOWED_ACTIVITY":"{actor} posted in something you follow","notifications.kind.DOCUMENT_CHANGED":"A document you follow has changed","notifications.kind.REPORT_FILED":"A comment was reported for moderation","notifications.kind.REPORT_OUTCOME":"A moderator has decided on your report","notifications.error.network":"Townhall could not be reached. Try again.","notifications.error.failed":"That did not work. Try again."};var bi={"en-GB":Me,cy:Ct};function be(r){return String(r||"").toLowerCase().split(/[-_]/)[0]==="cy"?"cy":"en-GB"}var He=new Map;function wi(r,e){return He.has(r)||He.set(r,new Intl.PluralRules(r)),He.get(r).select(e)}function Rt(r,e,t={}){let i=be(r),s=o=>bi[i][o]??Me[o],n;return typeof t.count=="number"&&(n=s(`${e}.${wi(i,t.count)}`)??s(`${e}.other`)),n??=s(e)??e,n.replace(/\{(\w+)\}/g,(o,a)=>t[a]===void 0||t[a]===null?o:String(t[a]))}var Ot={day:"2-digit",month:"2-digit",year:"numeric"};function Dt(r){return be(r)==="cy"?"cy-GB":"en-GB"}function Lt(r,e){return r.supportedLocalesOf([e]).length>0}function It(r,e,t={dateStyle:"medium"}){let i=e instanceof Date?e:new Date(e);if(Number.isNaN(i.getTime()))return"";let s=Dt(r);return Lt(Intl.DateTimeFormat,s)?new Intl.DateTimeFormat(s,t).format(i):new Intl.DateTimeFormat("en-GB",Ot).format(i)}function we(r,e,t=Date.now()){let i=e instanceof Date?e:new Date(e);if(Number.isNaN(i.getTime()))return"";let s=Dt(r);if(!Lt(Intl.RelativeTimeFormat,s))return new Intl.DateTimeFormat("en-GB",Ot).format(i);let n=Math.round((i.getTime()-t)/1e3),o=[["year",31536e3],["month",2592e3],["week",604800],["day",86400],["hour",3600],["minute",60]],a=new Intl.RelativeTimeFormat(s,{numeric:"auto"});for(let[l,h]of o)if(Math.abs(n)>=h)return a.format(Math.round(n/h),l);return a.format(n,"second")}var v=Symbol("townhall.stale");function k(r,e){customElements.get(r)||customElements.define(r,e)}var b=class extends R{static properties={lang:{type:String,reflect:!0},endpoint:{type:String},status:{state:!0},error:{state:!0}};static styles=[O];constructor(){super(),this.status="idle",this.error=null,this._run=0,this._subscriptions=new Set,this._onConfigured=()=>this.isConnected&&this._loaded&&_t()&&this.reload()}connectedCallback(){super.connectedCallback(),window.addEventListener(me,this._onConfigured)}disconnectedCallback(){super.disconnectedCallback(),window.removeEventListener(me,this._onConfigured);for(let e of this._subscriptions)e();this._subscriptions.clear(),this._run+=1,this._loaded=!1}willUpdate(e){!this._loaded&&this.isConnected?(this._loaded=!0,this.reload()):e.has("endpoint")&&e.get("endpoint")!==void 0&&this.reload()}reload(){}get language(){return Tt(this)}t(e,t){return Rt(this.language,e,t)}emit(e,t={}){return this.dispatchEvent(new CustomEvent(`townhall-${e}`,{detail:t,bubbles:!0,composed:!0,cancelable:!0}))}async query(e,t={},i={}){try{return await ye(e,t,{endpoint:this.endpoint,...i})}catch(s){let n=s instanceof y?s:new y("NETWORK");throw this.emit("error",{code:n.code,operation:e}),n}}live(e,t,i){let s=Nt(e,t,{...i,error:n=>{this._subscriptions.delete(s),this.emit("error",{code:n.code,operation:e}),i.error?.(n)}},{endpoint:this.endpoint});return this._subscriptions.add(s),()=>{this._subscriptions.delete(s),s()}}async track(e){let t=++this._run;this.status="loading",this.error=null;try{let i=await e;return t!==this._run?v:(this.status="ready",i)}catch(i){return t!==this._run||(this.status="error",this.error=i),v}}errorMessage(e){if(e?.fromServer&&e.message)return e.message;let t=e?.code||"NETWORK",i=["NETWORK","UNAUTHENTICATED","FORBIDDEN","TOKEN_UNAVAILABLE","NOT_FOUND"];return this.t(i.includes(t)?`core.error.${t}`:"core.error.other")}renderStatus(){return this.status==="loading"?c`<p class="status" part="status" role="status">${this.t("core.loading")}</p>`:this.status==="error"?c`<div class="error" part="error" role="alert">
        <span>${this.errorMessage(this.error)}</span>
        <button type="button" class="link" part="retry" @click=${()=>this.reload()}>
          ${this.t("core.retry")}
        </button>
      </div>`:d}renderEmpty(e="core.empty",t){return c`<p class="empty" part="empty">${this.t(e,t)}</p>`}};var vi={dateStyle:"long",timeStyle:"short"};function Pt(){let r=crypto.getRandomValues(new Uint8Array(16));return`w-${Array.from(r,e=>e.toString(16).padStart(2,"0")).join("")}`}function Ut(r){try{let e=String(r).replace(/-/g,"+").replace(/_/g,"/"),t=atob(e+"=".repeat((4-e.length%4)%4)),[i,s]=[t.slice(0,t.indexOf(":")),t.slice(t.indexOf(":")+1)];return i&&s&&/^[A-Za-z]+$/.test(i)?i:null}catch{return null}}function Mt(r,e){return r.replace(/\{(\w+)\}/g,(t,i)=>encodeURIComponent(e[i]??""))}function te(r,e){let t=r.getAttribute("person-href");return!t||!e?null:Mt(t,{id:e.id,account:e.accountName})}function ve(r,e){if(!e)return null;let t=r.getAttribute("document-href");return t?Mt(t,{id:e.id}):e.downloadUrl||null}function j(r,e,t){let i=t?.__typename;if(i==="RateLimitedError")return r.t(`${e}.error.rateLimited`,{count:t.retryAfterSeconds??60});if(i==="InvalidInputError"){let s=/at most (\d+)/.exec(t.message||"");return s&&/characters/.test(t.message)?r.t(`${e}.error.tooLong`,{max:Number(s[1])}):s&&/mention|people/.test(t.message)?r.t(`${e}.error.tooManyMentions`,{max:Number(s[1])}):s&&/tag/.test(t.message)?r.t(`${e}.error.tooManyTags`,{max:Number(s[1])}):/needs some text/.test(t.message||"")?r.t(`${e}.error.empty`):t.message}return i==="NotAllowedError"?r.t(`${e}.error.notAllowed`):i==="NotFoundError"?r.t(`${e}.error.notFound`):t?.fromServer?t.message:t?.code==="NETWORK"?r.t(`${e}.error.network`):r.t(`${e}.error.failed`)}function q(r,e){let t=r.language;return c`<time datetime=${e} title=${It(t,e,vi)}
    >${we(t,e)}</time
  >`}var z=$`
  ul.plain {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  textarea {
    display: block;
    width: 100%;
    min-height: calc(var(--th-space) * 8);
    font: inherit;
    color: inherit;
    background: var(--th-background);
    border: 1px solid var(--th-control-border);
    border-radius: var(--th-radius);
    padding: var(--th-space);
    resize: vertical;
  }
  textarea[aria-invalid='true'] {
    border: 2px solid var(--th-danger);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: var(--th-space);
    align-items: center;
    margin-top: calc(var(--th-space) / 2);
  }
  .more {
    margin-top: var(--th-space);
  }
  .meta {
    color: var(--th-muted);
    font-size: 0.875em;
  }
  .author {
    font-weight: 600;
  }
  /* The base styles any aria-pressed=false button as a primary one (a follow button):
     reactions are quiet toggles, filled only when the viewer gave them. */
  button.reaction,
  button.reaction[aria-pressed='false'] {
    background: var(--th-background);
    border-color: var(--th-control-border);
    color: var(--th-text);
    border-radius: 999px;
    padding: 0 var(--th-space);
    font-size: 0.875em;
  }
  button.reaction[aria-pressed='true'] {
    background: var(--th-accent);
    border-color: var(--th-accent);
    color: var(--th-accent-text);
  }
  .form-error {
    color: var(--th-danger);
    margin: calc(var(--th-space) / 2) 0 0;
  }
`,Ht=$`
  .comment {
    padding: var(--th-space) 0;
    border-top: 1px solid var(--th-border);
  }
  .replies {
    margin-left: calc(var(--th-space) * 3);
  }
  .replies .comment {
    border-top: 0;
    border-left: 3px solid var(--th-border);
    padding-left: var(--th-space);
  }
  .body p {
    margin: calc(var(--th-space) / 2) 0;
  }
  /* Mentions and tags are links without a destination in the sanitised HTML. */
  .body a.mention,
  .body a.tag {
    color: var(--th-accent);
    font-weight: 600;
    text-decoration: none;
  }
  .gone {
    font-style: italic;
    color: var(--th-muted);
  }
  form {
    margin-top: var(--th-space);
  }
  label {
    display: block;
    font-weight: 600;
    margin-bottom: calc(var(--th-space) / 2);
  }
  .mentions {
    list-style: none;
    margin: 2px 0 0;
    padding: 2px;
    border: 1px solid var(--th-control-border);
    border-radius: var(--th-radius);
    background: var(--th-background);
    max-width: 28em;
  }
  .mentions li {
    padding: calc(var(--th-space) / 2) var(--th-space);
    border-radius: var(--th-radius);
    cursor: pointer;
    display: flex;
    flex-direction: column;
  }
  .mentions li[aria-selected='true'] {
    background: var(--th-accent);
    color: var(--th-accent-text);
    outline: 2px solid var(--th-focus);
  }
  .mentions li[aria-selected='true'] .muted {
    color: var(--th-accent-text);
  }
`,Ft=$`
  article {
    padding: var(--th-space);
    border-bottom: 1px solid var(--th-border);
  }
  article:focus-visible {
    outline-offset: -3px;
  }
  .summary {
    margin: 0;
  }
`,Bt=$`
  :host {
    display: inline-block;
    position: relative;
    background: transparent;
  }
  .bell {
    display: inline-flex;
    align-items: center;
    gap: calc(var(--th-space) / 2);
  }
  .badge {
    background: var(--th-danger);
    color: #ffffff;
    border-radius: 999px;
    padding: 0 6px;
    font-size: 0.8em;
    font-weight: 700;
  }
  .panel {
    position: absolute;
    inset-inline-start: 0;
    z-index: 10;
    width: min(26em, 90vw);
    max-height: 70vh;
    overflow: auto;
    background: var(--th-background);
    border: 1px solid var(--th-control-border);
    border-radius: var(--th-radius);
    padding: var(--th-space);
    box-shadow: 0 4px 16px rgb(0 0 0 / 20%);
  }
  .panel h2 {
    font-size: 1em;
    margin: 0;
  }
  .notification {
    padding: var(--th-space) 0;
    border-top: 1px solid var(--th-border);
  }
  .notification.unread .text {
    font-weight: 600;
  }
  .notification.unread::before {
    content: '';
    display: inline-block;
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--th-accent);
    margin-right: calc(var(--th-space) / 2);
  }
`;var $i=1e3,Ei=6e4;function jt(r){let e=String(r||"home").trim(),t=e.indexOf(":"),[i,s]=t<0?[e,""]:[e.slice(0,t),e.slice(t+1)];switch(i){case"home":return{operation:"HomeFeed",variables:{},page:n=>n?.homeFeed};case"person":return{operation:"PersonActivityFeed",variables:{id:s},page:n=>n?.person?.activity};case"document":return{operation:"DocumentActivityFeed",variables:{id:s},page:n=>n?.document?.activity};case"tag":return{operation:"TagActivityFeed",variables:{tag:s.replace(/^#/,"")},page:n=>n?.tagFeed};default:return null}}function ki(r,e){let t=i=>i.document?.id??i.person?.id??i.tag??i.objectKind;return r.id===e.id||r.verb===e.verb&&t(r)===t(e)&&r.createdAt.slice(0,10)===e.createdAt.slice(0,10)}var Fe=class extends b{static properties={feed:{type:String},pageSize:{type:Number,attribute:"page-size"},items:{state:!0},hasMore:{state:!0},busy:{state:!0},announcement:{state:!0}};static styles=[O,z,Ft];constructor(){super(),this.feed="home",this.pageSize=10,this.items=[],this.hasMore=!1,this.busy=!1,this.cursor=null,this.announcement="",this.fresh=0}connectedCallback(){super.connectedCallback(),this.ticker=setInterval(()=>this.requestUpdate(),Ei)}disconnectedCallback(){super.disconnectedCallback(),clearInterval(this.ticker),clearTimeout(this.announceTimer)}willUpdate(e){super.willUpdate(e),e.has("feed")&&e.get("feed")!==void 0&&this.isConnected&&this.reload()}reload(){if(this.endLive?.(),this.endLive=null,this.items=[],this.hasMore=!1,this.cursor=null,!jt(this.feed)){this.status="error",this.error=new y("NOT_FOUND");return}this.endLive=this.live("ActivityAdded",{feed:this.feed||"home"},{next:t=>this.prepend(t.activityAdded)}),this.loadPage()}async loadPage(){let e=jt(this.feed);this.busy=!0;let t={...e.variables,first:this.pageSize,after:this.cursor},i=await this.track(this.query(e.operation,t,{fresh:!0}));if(this.busy=!1,i===v)return;let s=e.page(i);if(!s){this.status="error",this.error=new y("NOT_FOUND");return}let n=new Set(this.items.map(o=>o.id));this.items=[...this.items,...s.nodes.filter(o=>!n.has(o.id))],this.hasMore=s.pageInfo.hasNextPage,this.cursor=s.pageInfo.endCursor}prepend(e){e?.id&&(this.busy=!0,this.items=[e,...this.items.filter(t=>!ki(t,e))],this.updateComplete.then(()=>this.busy=!1),this.fresh+=1,clearTimeout(this.announceTimer),this.announceTimer=setTimeout(()=>{this.announcement="";let t=this.fresh;this.fresh=0,requestAnimationFrame(()=>this.announcement=this.t("activity-feed.newItems",{count:t}))},$i))}text(e){if(be(this.language)==="en-GB")return e.summary;let t=e.actors?.[0]?.displayName??this.t("activity-feed.someone"),i=e.actorCount-1,s=i>0?this.t("activity-feed.actorAndOthers",{actor:t,count:i}):t,n=e.document?.title??e.person?.displayName??(e.tag?`#${e.tag}`:""),o=`activity-feed.verb.${e.verb}`,a=this.t(o,{actor:s,object:n});return a===o?e.summary:a}link(e){return e.document?[ve(this,e.document),e.document.title]:e.person?[te(this,e.person),e.person.displayName]:[null,null]}onKeydown(e){let t=[...this.renderRoot.querySelectorAll("article")],i=t.indexOf(e.target.closest?.("article"));if(i<0)return;let s=null;if(e.key==="PageDown")s=t[i+1];else if(e.key==="PageUp")s=t[i-1];else if(e.key==="End"&&e.ctrlKey)s=this.renderRoot.querySelector(".more");else if(e.key==="Home"&&e.ctrlKey)s=t[0];else return;e.preventDefault(),s?.focus()}renderItem(e,t){let[i,s]=this.link(e);return c`<article
      part="item"
      tabindex="0"
      aria-posinset=${t+1}
      aria-setsize=${this.hasMore?-1:this.items.length}
      aria-labelledby=${`item-${e.id}`}
    >
      <p class="summary" part="summary" id=${`item-${e.id}`}>${this.text(e)}</p>
      <div class="meta" part="meta">
        ${q(this,e.createdAt)}
        ${i?c` · <a part="link" href=${i}>${s}</a>`:d}
      </div>
    </article>`}render(){let e=this.status==="ready"&&this.items.length===0;return c`<div
        role="feed"
        part="feed"
        aria-label=${this.t("activity-feed.label")}
        aria-busy=${this.busy?"true":"false"}
        @keydown=${this.onKeydown}
      >
        ${B(this.items,t=>t.id,(t,i)=>this.renderItem(t,i))}
      </div>
      ${e?this.renderEmpty("activity-feed.empty"):d} ${this.renderStatus()}
      ${this.hasMore&&this.status!=="loading"?c`<button type="button" class="more" part="more" @click=${()=>this.loadPage()}>
            ${this.t("activity-feed.more")}
          </button>`:d}
      <div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>`}};k("townhall-activity-feed",Fe);var Ai=180,_i=6;function xi(r,e){let t=e.toLowerCase().split(" ").filter(Boolean),i=s=>{let n=s.accountName.toLowerCase(),o=s.displayName.toLowerCase().split(/\s+/);return n.startsWith(t.join("."))?0:t.every(a=>o.some(l=>l.startsWith(a)))?1:2};return r.filter(s=>s.accountName).map((s,n)=>[i(s),n,s]).sort((s,n)=>s[0]-n[0]||s[1]-n[1]).map(([,,s])=>s)}var Ti=/(?:^|[^\p{L}\p{N}_@.])@([\p{L}\p{N}][\p{L}\p{N}._-]{0,63})$/u,$e=class{constructor(e){this.host=e,this.form=null,this.field=null,this.start=0,this.people=[],this.active=-1,this.timer=null,this.run=0,this.onInput=t=>this.typed(t.target),this.onKeydown=t=>this.key(t),this.onBlur=t=>{let i=t.target;setTimeout(()=>{this.field===i&&this.host.renderRoot.activeElement!==i&&this.close()},150)},e.addController(this)}hostDisconnected(){clearTimeout(this.timer),this.run+=1}isOpen(e){return this.form===e&&this.people.length>0}listId(e){return`mentions-${e}`}optionId(e,t){return`mention-${e}-${t}`}typed(e){let t=e.value.slice(0,e.selectionStart??e.value.length),i=Ti.exec(t);if(!i)return this.close();this.field=e,this.form=e.dataset.form,this.start=t.length-i[1].length-1,clearTimeout(this.timer);let s=i[1].replace(/[._-]+/g," ").trim();this.timer=setTimeout(()=>this.search(s),Ai)}async search(e){let t=++this.run,i;try{i=await this.host.query("MentionSuggestions",{search:e})}catch{return}if(t!==this.run||!this.field)return;this.people=xi(i?.people?.nodes??[],e).slice(0,_i),this.active=this.people.length?0:-1;let s=this.people.length;this.host.announce(this.host.t(s?"comments.mentions.count":"comments.mentions.none",{count:s})),this.host.requestUpdate()}key(e){if(e.isComposing||!this.isOpen(e.target.dataset.form))return;let t=this.people.length;if(e.key==="ArrowDown"||e.key==="ArrowUp")this.active=(this.active+(e.key==="ArrowDown"?1:t-1))%t,this.host.requestUpdate();else if((e.key==="Enter"||e.key==="Tab")&&this.active>=0)this.choose(this.people[this.active]);else if(e.key==="Escape")this.close();else return;e.preventDefault(),e.stopPropagation()}choose(e){let t=this.field;if(!t)return;let i=t.selectionStart??t.value.length,s=`@${e.accountName} `;t.value=t.value.slice(0,this.start)+s+t.value.slice(i);let n=this.start+s.length;t.setSelectionRange(n,n),t.focus(),this.close(),t.dispatchEvent(new Event("input",{bubbles:!0}))}close(){clearTimeout(this.timer),this.run+=1,(this.people.length||this.form)&&(this.people=[],this.active=-1,this.form=null,this.host.requestUpdate())}controls(e){return this.isOpen(e)?this.listId(e):d}activeDescendant(e){return this.isOpen(e)&&this.active>=0?this.optionId(e,this.active):d}renderList(e){return this.isOpen(e)?c`<ul
      class="mentions"
      part="mentions"
      role="listbox"
      id=${this.listId(e)}
      aria-label=${this.host.t("comments.mentions.label")}
    >
      ${this.people.map((t,i)=>c`<li
          role="option"
          id=${this.optionId(e,i)}
          aria-selected=${i===this.active?"true":"false"}
          @mousedown=${s=>s.preventDefault()}
          @click=${()=>this.choose(t)}
        >
          <span class="name">${t.displayName}</span>
          <span class="muted">@${t.accountName}${t.title?` · ${t.title}`:""}</span>
        </li>`)}
    </ul>`:d}};var qt=H(class extends N{constructor(r){if(super(r),r.type!==A.PROPERTY&&r.type!==A.ATTRIBUTE&&r.type!==A.BOOLEAN_ATTRIBUTE)throw Error("The `live` directive is not allowed on child or event bindings");if(!ft(r))throw Error("`live` bindings can only contain a single expression")}render(r){return r}update(r,[e]){if(e===w||e===d)return e;let t=r.element,i=r.name;if(r.type===A.PROPERTY){if(e===t[i])return w}else if(r.type===A.BOOLEAN_ATTRIBUTE){if(!!e===t.hasAttribute(i))return w}else if(r.type===A.ATTRIBUTE&&t.getAttribute(i)===e+"")return w;return le(r),e}});var ie=class extends N{constructor(e){if(super(e),this.it=d,e.type!==A.CHILD)throw Error(this.constructor.directiveName+"() can only be used in child bindings")}render(e){if(e===d||e==null)return this._t=void 0,this.it=e;if(e===w)return e;if(typeof e!="string")throw Error(this.constructor.directiveName+"() called with a non-string value");if(e===this.it)return this._t;this.it=e;let t=[e];return t.raw=t,this._t={_$litType$:this.constructor.resultType,strings:t,values:[]}}};ie.directiveName="unsafeHTML",ie.resultType=1;var zt=H(ie);var Si=[["LIKE","👍"],["THANKS","🙏"],["INSIGHTFUL","💡"],["CELEBRATE","🎉"],["SUPPORT","🤝"]];function Ni(r,e){return e.state==="DELETED"?c`<p class="gone">${r.t("comments.wasDeleted")}</p>`:e.state==="HIDDEN"&&!e.bodyHtml?c`<p class="gone">${r.t("comments.wasHidden")}</p>`:c`<div class="body" part="body">${zt(e.bodyHtml??"")}</div>`}function Ci(r,e){if(e.state!=="PUBLISHED")return d;let t=new Map((e.reactions??[]).map(i=>[i.kind,i]));return c`<div class="row" part="reactions" role="group" aria-label=${r.t("comments.reactions")}>
    ${Si.map(([i,s])=>{let n=t.get(i)?.viewerReacted??!1,o=t.get(i)?.count??0;return c`<button
        type="button"
        class="reaction"
        part="reaction"
        aria-pressed=${n?"true":"false"}
        @click=${()=>r.react(e,i,n)}
      >
        <span aria-hidden="true">${s}</span>
        <span class="visually-hidden">${r.t(`comments.reaction.${i}`)}</span>
        ${o?c`<span>${o}</span>`:d}
      </button>`})}
  </div>`}function Ri(r,e,t){if(e.state!=="PUBLISHED")return d;let i=e.author?.displayName??r.t("comments.formerStaff");return r.confirming===e.id?c`<div class="row" part="actions" role="group" aria-label=${r.t("comments.confirmDelete")}>
      <span>${r.t("comments.confirmDelete")}</span>
      <button type="button" class="primary" data-confirm=${e.id} @click=${()=>r.remove(e)}>
        ${r.t("comments.delete")}
      </button>
      <button
        type="button"
        @click=${()=>{r.confirming=null,r.focusLater(`[data-delete="${e.id}"]`)}}
      >
        ${r.t("comments.cancel")}
      </button>
    </div>`:c`<div class="row" part="actions">
    ${t?d:c`<button
          type="button"
          class="link"
          data-reply=${e.id}
          aria-expanded=${r.replyTo===e.id?"true":"false"}
          aria-label=${r.t("comments.replyTo",{name:i})}
          @click=${()=>r.openReply(e)}
        >
          ${r.t("comments.reply")}
        </button>`}
    ${e.viewerCanEdit?c`<button type="button" class="link" data-edit=${e.id} @click=${()=>r.openEdit(e)}>
            ${r.t("comments.edit")}
          </button>
          <button type="button" class="link" data-delete=${e.id} @click=${()=>r.remove(e)}>
            ${r.t("comments.delete")}
          </button>`:d}
  </div>`}function Be(r,e,t){let i=e.author?.displayName??r.t("comments.formerStaff"),s=r.editing===e.id,n=e.replies??[];return c`<article class="comment" part="comment" aria-labelledby=${`by-${e.id}`}>
    <div class="meta">
      <span class="author" id=${`by-${e.id}`}>${i}</span>
      · ${q(r,e.createdAt)}
      ${e.editedAt?c`· <span>${r.t("comments.editedMark")}</span>`:d}
    </div>
    ${s?Ee(r,`edit:${e.id}`,"comments.edit.label","comments.edit.submit"):c`${Ni(r,e)} ${Ci(r,e)}
        ${Ri(r,e,t)}`}
    ${n.length?c`<ul class="plain replies" aria-label=${r.t("comments.replies",{count:n.length})}>
          ${B(n,o=>o.id,o=>c`<li>${Be(r,o,!0)}</li>`)}
        </ul>`:d}
    ${r.replyTo===e.id?c`<div class="replies">
          ${Ee(r,`reply:${e.id}`,"comments.reply.label","comments.reply.submit",i)}
        </div>`:d}
  </article>`}function Ee(r,e,t,i,s=""){let n=`field-${e.replace(":","-")}`,o=r.errors.get(e),a=r.busy.has(e),l=r.mentions,h=e!=="new";return c`<form part="form" @submit=${u=>r.submit(e,u)} novalidate>
    <label for=${n}>${r.t(t,{name:s})}</label>
    <textarea
      id=${n}
      part="field"
      data-form=${e}
      rows="3"
      .value=${qt(r.drafts.get(e)??"")}
      aria-invalid=${o?"true":"false"}
      aria-describedby=${o?`${n}-error`:`${n}-hint`}
      aria-autocomplete="list"
      aria-controls=${l.controls(e)}
      aria-activedescendant=${l.activeDescendant(e)}
      @input=${u=>{r.draftChanged(e,u),l.onInput(u)}}
      @keydown=${u=>{l.onKeydown(u),!u.defaultPrevented&&(u.key==="Enter"&&(u.ctrlKey||u.metaKey)?r.submit(e,u):u.key==="Escape"&&h&&r.cancel(e))}}
      @blur=${l.onBlur}
    ></textarea>
    ${l.renderList(e)}
    ${o?c`<p class="form-error" part="error" id=${`${n}-error`} role="alert">${o}</p>`:c`<p class="meta" id=${`${n}-hint`}>${r.t("comments.hint")}</p>`}
    <div class="row">
      <button type="submit" class="primary" part="submit" ?disabled=${a}>
        ${a?r.t("comments.sending"):r.t(i)}
      </button>
      ${h?c`<button type="button" @click=${()=>r.cancel(e)}>${r.t("comments.cancel")}</button>`:d}
    </div>
  </form>`}function ze(){return{comments:[],tail:[],complete:!1}}var Wt=r=>new Set(r.map(e=>e.id));function We(r,e,t){let i=Wt(r.comments),s=e.filter(l=>!i.has(l.id)),n=Wt(s),o=[...r.comments,...s],a=r.tail.filter(l=>!n.has(l.id));return t||(o=[...o,...a],a=[]),{comments:o,tail:a,complete:!t}}function qe(r,e){let t=Array.isArray(e.replies)&&e.replies.every(i=>"state"in i)?e.replies:r?.replies??[];return{...r,...e,replies:t}}function je(r,e){let t=r.findIndex(s=>s.id===e.id);if(t<0)return null;let i=r.slice();return i[t]=qe(r[t],e),i}function W(r,e){if(!e?.id)return r;if(e.replyTo){let n=l=>{let h=l.findIndex(m=>m.id===e.replyTo);if(h<0)return null;let u=l[h],p=je(u.replies??[],e)??[...u.replies??[],qe(null,e)],f=l.slice();return f[h]={...u,replies:p},f},o=n(r.comments);if(o)return{...r,comments:o};let a=n(r.tail);return a?{...r,tail:a}:r}let t=je(r.comments,e);if(t)return{...r,comments:t};let i=je(r.tail,e);if(i)return{...r,tail:i};let s=qe(null,e);return r.complete?{...r,comments:[...r.comments,s]}:{...r,tail:[...r.tail,s]}}function Ke(r,e){for(let t of[...r.comments,...r.tail]){if(t.id===e)return t;let i=(t.replies??[]).find(s=>s.id===e);if(i)return i}return null}function Kt(r,e){let t=Ke(r,e);return t?W(r,{...t,state:"DELETED",bodyText:null,bodyHtml:null,viewerCanEdit:!1}):r}var Vt=[500,1500],Ve={RateLimitedError:"RATE_LIMITED",InvalidInputError:"INVALID_INPUT",NotAllowedError:"NOT_ALLOWED",NotFoundError:"NOT_FOUND"},Ge=class extends b{static properties={target:{type:String},pageSize:{type:Number,attribute:"page-size"},thread:{state:!0},hasMore:{state:!0},replyTo:{state:!0},editing:{state:!0},confirming:{state:!0},announcement:{state:!0}};static styles=[O,z,Ht];constructor(){super(),this.target="",this.pageSize=10,this.thread=ze(),this.hasMore=!1,this.cursor=null,this.replyTo=null,this.editing=null,this.confirming=null,this.drafts=new Map,this.errors=new Map,this.keys=new Map,this.busy=new Set,this.announcement="",this.mentions=new $e(this)}willUpdate(e){super.willUpdate(e),e.has("target")&&e.get("target")!==void 0&&this.isConnected&&this.reload()}reload(){this.endLive?.(),this.endLive=null,this.thread=ze(),this.hasMore=!1,this.cursor=null,this.target&&(this.endLive=this.live("CommentEvents",{targetId:this.target},{next:e=>this.merge(e.commentEvents)}),this.loadPage())}async loadPage(){if(Ut(this.target)==="ActivityItem"){this.thread=We(this.thread,[],!1),this.status="ready";return}let e={id:this.target,first:this.pageSize,after:this.cursor},t=await this.track(this.query("CommentThread",e,{fresh:!0}));if(t===v)return;let i=t?.node?.commentThread??t?.node?.profileComments;if(!i){this.status="error",this.error=new y("NOT_FOUND");return}this.thread=We(this.thread,i.nodes,i.pageInfo.hasNextPage),this.hasMore=i.pageInfo.hasNextPage,this.cursor=i.pageInfo.endCursor}merge(e){e&&(e.kind==="DELETED"&&!e.comment?this.thread=Kt(this.thread,e.commentId):e.comment&&(this.thread=W(this.thread,e.comment)))}announce(e){this.announcement="",requestAnimationFrame(()=>this.announcement=e)}focusLater(e){this.updateComplete.then(()=>this.renderRoot.querySelector(e)?.focus())}draftChanged(e,t){this.drafts.set(e,t.target.value),this.errors.delete(e)&&this.requestUpdate()}async write(e,t){for(let i=0;;i+=1)try{let s=await ye(e,{input:t},{endpoint:this.endpoint});return Object.values(s)[0]}catch(s){if(s?.code==="NETWORK"&&i<Vt.length){await new Promise(n=>setTimeout(n,Vt[i]));continue}return s}}async submit(e,t){if(t.preventDefault(),this.busy.has(e))return;let i=(this.drafts.get(e)??"").trim();if(!i){this.errors.set(e,this.t("comments.error.empty")),this.requestUpdate(),this.focusLater(`textarea[data-form="${e}"]`);return}let s=this.keys.get(e);(!s||s.text!==i)&&this.keys.set(e,s={key:Pt(),text:i});let[n,o]=e.split(":"),[a,l]=n==="edit"?["EditComment",{commentId:o,body:i,clientMutationId:s.key}]:["AddComment",{targetId:this.target,body:i,replyToId:o??null,clientMutationId:s.key}];this.busy.add(e),this.errors.delete(e),this.mentions.close(),this.requestUpdate();let h=await this.write(a,l);if(this.busy.delete(e),h?.__typename!=="CommentSuccess"){this.fail(e,a,h);return}if(this.thread=W(this.thread,h.comment),this.drafts.delete(e),this.keys.delete(e),n==="edit"){this.editing=null,this.announce(this.t("comments.edited")),this.focusLater(`[data-edit="${o}"]`);return}this.announce(this.t("comments.posted")),this.emit("comment-added",{id:h.comment.id,targetId:this.target}),n==="reply"&&(this.replyTo=null,this.focusLater(`[data-reply="${o}"]`))}fail(e,t,i){this.errors.set(e,j(this,"comments",i)),this.emit("error",{code:Ve[i?.__typename]??i?.code??"ERROR",operation:t}),this.requestUpdate(),this.focusLater(`textarea[data-form="${e}"]`)}async react(e,t,i){let s=`react:${e.id}:${t}`;if(this.busy.has(s))return;this.busy.add(s);let n=i?"Unreact":"React",o=await this.write(n,{itemId:e.id,reaction:t});this.busy.delete(s),o?.__typename==="ReactionSuccess"?this.thread=W(this.thread,{...Ke(this.thread,e.id),reactions:o.reactions}):(this.emit("error",{code:Ve[o?.__typename]??o?.code??"ERROR",operation:n}),this.announce(j(this,"comments",o)))}async remove(e){if(this.confirming!==e.id){this.confirming=e.id,this.focusLater(`[data-confirm="${e.id}"]`);return}this.confirming=null;let t=await this.write("DeleteComment",{commentId:e.id});t?.__typename==="CommentSuccess"?(this.thread=W(this.thread,t.comment),this.announce(this.t("comments.deleted")),this.focusLater('textarea[data-form="new"]')):(this.emit("error",{code:Ve[t?.__typename]??t?.code??"ERROR",operation:"DeleteComment"}),this.announce(j(this,"comments",t)))}openReply(e){this.replyTo=e.id,this.editing=null,this.focusLater(`textarea[data-form="reply:${e.id}"]`)}openEdit(e){this.editing=e.id,this.replyTo=null,this.drafts.set(`edit:${e.id}`,e.bodyText??""),this.focusLater(`textarea[data-form="edit:${e.id}"]`)}cancel(e){let[t,i]=e.split(":");this.drafts.delete(e),this.errors.delete(e),this.mentions.close(),t==="edit"?this.editing=null:this.replyTo=null,this.focusLater(t==="edit"?`[data-edit="${i}"]`:`[data-reply="${i}"]`)}render(){let e=[...this.thread.comments,...this.thread.tail],t=this.status==="loading"&&e.length===0;return c`<section aria-label=${this.t("comments.label")}>
      ${e.length?c`<ul class="plain thread" part="thread">
            ${B(e,i=>i.id,i=>c`<li>${Be(this,i,!1)}</li>`)}
          </ul>`:this.status==="ready"?this.renderEmpty("comments.empty"):d}
      ${this.renderStatus()}
      ${this.hasMore&&this.status!=="loading"?c`<button type="button" class="more" part="more" @click=${()=>this.loadPage()}>
            ${this.t("comments.more")}
          </button>`:d}
      ${t||this.status==="error"||!this.target?d:Ee(this,"new","comments.new.label","comments.new.submit")}
      <div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>
    </section>`}};k("townhall-comments",Ge);var Ye=class extends b{static properties={pageSize:{type:Number,attribute:"page-size"},unread:{state:!0},open:{state:!0},items:{state:!0},hasMore:{state:!0},listed:{state:!0},announcement:{state:!0},failure:{state:!0}};static styles=[O,z,Bt];constructor(){super(),this.pageSize=10,this.unread=0,this.open=!1,this.items=[],this.hasMore=!1,this.listed=!1,this.cursor=null,this.announcement="",this.failure="",this.onOutside=e=>{this.open&&!e.composedPath().includes(this)&&this.close(!1)}}connectedCallback(){super.connectedCallback(),document.addEventListener("click",this.onOutside)}disconnectedCallback(){super.disconnectedCallback(),document.removeEventListener("click",this.onOutside)}reload(){this.endLive?.(),this.items=[],this.listed=!1,this.cursor=null,this.endLive=this.live("NotificationAdded",{},{next:e=>this.added(e.notificationAdded)}),this.track(this.query("UnreadNotificationCount",{},{fresh:!0})).then(e=>{e!==v&&(this.unread=e.unreadNotificationCount)}),this.open&&this.loadPage()}async loadPage(){let e={first:this.pageSize,after:this.cursor},t=await this.track(this.query("Notifications",e,{fresh:!0}));if(t===v)return;let i=new Set(this.items.map(s=>s.id));this.items=[...this.items,...t.notifications.nodes.filter(s=>!i.has(s.id))],this.unread=t.unreadNotificationCount,this.hasMore=t.notifications.pageInfo.hasNextPage,this.cursor=t.notifications.pageInfo.endCursor,this.listed=!0}added(e){!e?.id||this.items.some(t=>t.id===e.id)||(e.read||(this.unread+=1),this.listed&&(this.items=[e,...this.items]),this.announcement="",requestAnimationFrame(()=>{this.announcement=this.t("notifications.arrived",{text:this.text(e)})}))}toggle(){if(this.open)return this.close(!0);this.open=!0,this.listed||this.loadPage()}close(e){this.open=!1,e&&this.updateComplete.then(()=>this.renderRoot.querySelector(".bell")?.focus())}onKeydown(e){e.key==="Escape"&&this.open&&(e.stopPropagation(),this.close(!0))}async markRead(e){let t=e?{ids:e}:{all:!0};this.failure="";let i;try{i=(await this.query("MarkNotificationsRead",{input:t})).markNotificationsRead}catch(n){i=n}if(i?.__typename!=="MarkReadSuccess"){this.failure=j(this,"notifications",i);return}let s=e?new Set(e):null;this.items=this.items.map(n=>!s||s.has(n.id)?{...n,read:!0}:n),this.unread=i.unreadCount,this.emit("notifications-read",{unreadCount:i.unreadCount}),this.announcement=this.t("notifications.marked",{count:i.marked}),e&&this.updateComplete.then(()=>this.renderRoot.querySelector(".mark-all, .bell")?.focus())}text(e){let t=e.actor?.displayName??this.t("notifications.someone"),i=`notifications.kind.${e.kind}`,s=this.t(i,{actor:t});return s===i?e.activity?.summary??"":s}link(e){let t=e.activity;return t?.document?[ve(this,t.document),t.document.title]:t?.person?[te(this,t.person),t.person.displayName]:e.kind==="NEW_FOLLOWER"&&e.actor?[te(this,e.actor),e.actor.displayName]:[null,t?.tag?`#${t.tag}`:null]}renderItem(e){let t=this.text(e),[i,s]=this.link(e);return c`<li class=${e.read?"notification":"notification unread"} part="notification">
      ${e.read?d:c`<span class="visually-hidden">${this.t("notifications.unreadMark")}</span>`}
      <span class="text">${t}</span>
      ${s?i?c`<a part="link" href=${i}>${s}</a>`:c`<span>${s}</span>`:d}
      <div class="row meta">
        ${q(this,e.createdAt)}
        ${e.read?d:c`<button
              type="button"
              class="link"
              part="mark-read"
              aria-label=${this.t("notifications.markReadOne",{text:t})}
              @click=${()=>this.markRead([e.id])}
            >
              ${this.t("notifications.markRead")}
            </button>`}
      </div>
    </li>`}renderPanel(){return c`<div class="panel" part="panel" id="panel" role="region" aria-labelledby="heading">
      <div class="row">
        <h2 id="heading">${this.t("notifications.title")}</h2>
        ${this.unread>0?c`<button type="button" class="link mark-all" part="mark-all" @click=${()=>this.markRead(null)}>
              ${this.t("notifications.markAll")}
            </button>`:d}
      </div>
      ${this.failure?c`<p class="form-error" role="alert">${this.failure}</p>`:d}
      ${this.items.length?c`<ul class="plain" part="list">${this.items.map(e=>this.renderItem(e))}</ul>`:this.status==="ready"&&this.listed?this.renderEmpty("notifications.empty"):d}
      ${this.renderStatus()}
      ${this.hasMore&&this.status!=="loading"?c`<button type="button" class="more" part="more" @click=${()=>this.loadPage()}>
            ${this.t("notifications.more")}
          </button>`:d}
    </div>`}render(){let e=this.unread>0?this.t("notifications.bellUnread",{count:this.unread}):this.t("notifications.bell");return c`<div @keydown=${this.onKeydown}>
      <button
        type="button"
        class="bell"
        part="button"
        aria-expanded=${this.open?"true":"false"}
        aria-controls="panel"
        aria-label=${e}
        @click=${()=>this.toggle()}
      >
        <span aria-hidden="true">🔔</span>
        <span aria-hidden="true">${this.t("notifications.bellText")}</span>
        ${this.unread>0?c`<span class="badge" part="badge" aria-hidden="true">${this.unread>99?"99+":this.unread}</span>`:d}
      </button>
      ${this.open?this.renderPanel():d}
      <div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>
    </div>`}};k("townhall-notifications",Ye);var ke=new Map;function Gt(r){try{let e=String(r).replace(/-/g,"+").replace(/_/g,"/");return atob(e+"=".repeat((4-e.length%4)%4)).startsWith("Person:")}catch{return!1}}function Yt(r,e){let t=String(e||"").trim();if(!t)return Promise.reject(new y("NOT_FOUND"));if(Gt(t))return Promise.resolve(t);let i=`${r.endpoint||""}
${t.toLowerCase()}`;if(!ke.has(i)){let s=Oi(r,t.toLowerCase());s.catch(()=>ke.delete(i)),ke.set(i,s)}return ke.get(i)}async function Oi(r,e){let t=await r.query("PersonLookup",{account:e});if(!t.person)throw new y("NOT_FOUND");return t.person.id}function Jt(r){let e=String(r||"").trim();return e?Promise.resolve(Gt(e)?{id:e}:{account:e}):Promise.reject(new y("NOT_FOUND"))}function K(r,e){let t=r.getAttribute("person-href");if(!t||!e)return null;let i=t.replace(/\{id\}/g,encodeURIComponent(e.id??"")).replace(/\{account\}/g,encodeURIComponent(e.accountName??""));try{let s=new URL(i,document.baseURI);return s.protocol==="http:"||s.protocol==="https:"?s.href:null}catch{return null}}function Qt(r){let e=String(r||"").trim().split(/\s+/).filter(Boolean);return(e.length>1?[e[0],e[e.length-1]]:e).map(i=>i[0].toUpperCase()).join("")}var Je=class extends b{static properties={person:{type:String},roots:{state:!0},focusId:{state:!0},announcement:{state:!0}};static styles=[b.styles,$`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      [role='group'] {
        padding-left: calc(var(--th-space) * 3);
        border-left: 1px solid var(--th-border);
        margin-left: calc(var(--th-space) * 1.25);
      }
      [role='treeitem'] {
        outline: none;
      }
      .node {
        display: flex;
        gap: var(--th-space);
        align-items: baseline;
        padding: calc(var(--th-space) / 2) var(--th-space);
        border-radius: var(--th-radius);
        cursor: pointer;
      }
      .node:hover {
        background: var(--th-surface);
      }
      [role='treeitem']:focus-visible > .node {
        outline: 3px solid var(--th-focus);
        outline-offset: -3px;
      }
      [aria-current='true'] > .node .name {
        font-weight: 700;
      }
      .twisty {
        width: 1em;
        flex: none;
        color: var(--th-muted);
      }
      .title {
        color: var(--th-muted);
      }
    `];constructor(){super(),this.person="",this.nodes=new Map,this.roots=[],this.focusId=null,this.subjectId=null,this.announcement=""}willUpdate(e){super.willUpdate(e),e.has("person")&&e.get("person")!==void 0&&this.reload()}async reload(){let e=await this.track(Yt(this,this.person).then(n=>this.query("OrgChart",{id:n})));if(e===v)return;let t=e.person;if(!t){this.status="error",this.error={code:"NOT_FOUND"};return}this.nodes=new Map;let i=[...t.managementChain??[]].reverse(),s=null;for(let n of i)this.add(n,s,!0),s=n.id;this.add(t,s,(t.directReports??[]).length>0),this.setChildren(t.id,t.directReports??[]),this.subjectId=t.id,this.roots=[i[0]?.id??t.id],this.focusId=t.id}add(e,t,i){let s={person:e,children:null,hasChildren:i,expanded:!1,parent:t};if(this.nodes.set(e.id,s),t){let n=this.nodes.get(t);n.children=[...n.children??[],e.id],n.expanded=!0}return s}setChildren(e,t){let i=this.nodes.get(e);i.children=[];for(let s of t)this.add(s,e,(s.directReports??[]).length>0);i.hasChildren=t.length>0,i.expanded=i.hasChildren}async expand(e){let t=this.nodes.get(e);if(!(!t?.hasChildren||t.expanded)){if(t.children)return t.expanded=!0,this.requestUpdate();this.announcement=this.t("org-chart.loadingReports",{name:t.person.displayName});try{let i=await this.query("OrgChartReports",{id:e});this.setChildren(e,i.person?.directReports??[]),this.announcement=this.t("org-chart.reports",{count:t.children.length})}catch(i){this.announcement=this.errorMessage(i)}this.requestUpdate()}}collapse(e){let t=this.nodes.get(e);t?.expanded&&(t.expanded=!1,this.requestUpdate())}visible(){let e=[],t=i=>{for(let s of i){e.push(s);let n=this.nodes.get(s);n.expanded&&n.children&&t(n.children)}};return t(this.roots),e}async moveTo(e){e&&(this.focusId=e,await this.updateComplete,this.renderRoot.querySelector(`[data-id="${CSS.escape(e)}"]`)?.focus())}choose(e,t){let i=this.nodes.get(t)?.person;if(!i)return;this.focusId=t;let s=this.emit("person-selected",{id:t}),n=K(this,i);s&&n&&window.location.assign(n),e.stopPropagation()}onKeydown(e){let t=e.target.closest?.('[role="treeitem"]')?.dataset.id,i=this.nodes.get(t);if(!i)return;let s=this.visible(),n=s.indexOf(t),o=e.key;if(o==="ArrowDown")this.moveTo(s[n+1]);else if(o==="ArrowUp")this.moveTo(s[n-1]);else if(o==="Home")this.moveTo(s[0]);else if(o==="End")this.moveTo(s[s.length-1]);else if(o==="ArrowRight")i.hasChildren&&!i.expanded?this.expand(t):i.expanded&&i.children?.length&&this.moveTo(i.children[0]);else if(o==="ArrowLeft")i.expanded?this.collapse(t):this.moveTo(i.parent);else if(o==="Enter")this.choose(e,t);else if(o.length===1&&/\S/.test(o)&&!e.ctrlKey&&!e.metaKey&&!e.altKey){let a=[...s.slice(n+1),...s.slice(0,n)],l=o.toLocaleLowerCase();this.moveTo(a.find(h=>this.nodes.get(h).person.displayName.toLocaleLowerCase().startsWith(l)))}else return;e.preventDefault()}toggle(e,t){e.stopPropagation();let i=this.nodes.get(t);this.focusId=t,i.expanded?this.collapse(t):this.expand(t)}renderNode(e,t){let i=this.nodes.get(e),{person:s}=i,n=`n${t.next++}`,o=e===this.subjectId;return c`<li role="treeitem" data-id=${e} tabindex=${e===this.focusId?0:-1}
      aria-labelledby=${n} aria-expanded=${i.hasChildren?String(i.expanded):d}
      aria-current=${o?"true":d} @focus=${a=>a.target===a.currentTarget&&(this.focusId=e)}>
      <span class="node" part=${o?"node node-current":"node"} @click=${a=>this.choose(a,e)}>
        <span class="twisty" aria-hidden="true" @click=${a=>i.hasChildren&&this.toggle(a,e)}
          >${i.hasChildren?i.expanded?"▾":"▸":""}</span>
        <span id=${n}><span class="name" part="node-name">${s.displayName}</span>${s.title?c`<span class="title" part="node-title">, ${s.title}</span>`:d}</span>
      </span>
      ${i.expanded&&i.children?.length?c`<ul role="group">${i.children.map(a=>this.renderNode(a,t))}</ul>`:d}
    </li>`}render(){if(!this.roots.length||this.status==="error")return this.renderStatus();let e=this.nodes.get(this.subjectId)?.person;return c`<ul role="tree" part="tree" aria-label=${this.t("org-chart.label",{name:e?.displayName??""})}
        @keydown=${this.onKeydown}>
        ${this.roots.map(t=>this.renderNode(t,{next:0}))}
      </ul>
      <p class="visually-hidden" role="status">${this.announcement}</p>`}};k("townhall-org-chart",Je);var Zt=2,Di=250,Qe=class extends b{static properties={mode:{type:String,reflect:!0},first:{type:Number},text:{state:!0},results:{state:!0},active:{state:!0},open:{state:!0},announcement:{state:!0}};static styles=[b.styles,$`
      fieldset {
        border: 0;
        margin: 0 0 var(--th-space);
        padding: 0;
        display: flex;
        flex-wrap: wrap;
        gap: var(--th-space) calc(var(--th-space) * 2);
      }
      legend {
        padding: 0;
        margin-bottom: calc(var(--th-space) / 2);
        font-weight: 700;
      }
      label {
        display: block;
      }
      fieldset label {
        display: inline-flex;
        gap: calc(var(--th-space) / 2);
        align-items: center;
      }
      input[type='radio'] {
        width: 20px;
        height: 20px;
        margin: 0;
        accent-color: var(--th-accent);
      }
      input[role='combobox'] {
        width: 100%;
        margin-top: calc(var(--th-space) / 2);
      }
      [role='listbox'] {
        list-style: none;
        margin: var(--th-space) 0 0;
        padding: 0;
        border: 1px solid var(--th-border);
        border-radius: var(--th-radius);
      }
      [role='option'] {
        padding: var(--th-space);
        cursor: pointer;
        border-bottom: 1px solid var(--th-border);
      }
      [role='option']:last-child {
        border-bottom: 0;
      }
      [role='option']:hover {
        background: var(--th-surface);
      }
      [role='option'][aria-selected='true'] {
        outline: 3px solid var(--th-focus);
        outline-offset: -3px;
        background: var(--th-surface);
      }
      .name {
        font-weight: 700;
      }
      .title,
      .reasons {
        display: block;
        color: var(--th-muted);
      }
      .announcement {
        margin: var(--th-space) 0 0;
        color: var(--th-muted);
      }
    `];constructor(){super(),this.mode="people",this.first=10,this.text="",this.results=[],this.active=-1,this.open=!1,this.announcement="",this.timer=null}get experts(){return this.mode==="experts"}willUpdate(e){super.willUpdate(e),e.has("mode")&&e.get("mode")!==void 0&&this.reload()}disconnectedCallback(){super.disconnectedCallback(),clearTimeout(this.timer)}onInput(e){this.text=e.target.value,clearTimeout(this.timer),this.timer=setTimeout(()=>this.reload(),Di)}async reload(){let e=this.text.trim();if(e.length<Zt){this._run+=1,this.status="idle",this.results=[],this.open=!1,this.announcement=e?this.t("people-finder.tooShort",{count:Zt}):"";return}this.announcement=this.t("people-finder.searching");let t=Math.min(50,Math.max(1,Number(this.first)||10)),i=await this.track(this.experts?this.query("ExpertSearch",{topic:e,first:t}):this.query("PeopleSearch",{search:e,first:t}));if(i===v){this.status==="error"&&(this.announcement="");return}this.results=this.experts?(i.experts??[]).map(n=>({...n.person,reasons:n.reasons})):i.people?.nodes??[];let s=this.experts?this.results.length:i.people?.totalCount??this.results.length;this.active=-1,this.open=this.results.length>0,this.announcement=this.t("people-finder.found",{count:s})}choose(e){let t=this.results[e];if(!t)return;this.active=e;let i=this.emit("person-selected",{id:t.id}),s=K(this,t);i&&s&&window.location.assign(s)}onKeydown(e){let t=this.results.length;if(e.key==="ArrowDown"&&t)this.open=!0,this.active=(this.active+1)%t;else if(e.key==="ArrowUp"&&t)this.open=!0,this.active=this.active<=0?t-1:this.active-1;else if(e.key==="Enter"&&this.open&&this.active>=0)this.choose(this.active);else if(e.key==="Escape")this.open?(this.open=!1,this.active=-1):(this.text="",e.target.value="",this.reload());else return;e.preventDefault()}updated(e){e.has("active")&&this.active>=0&&this.renderRoot.getElementById(`option-${this.active}`)?.scrollIntoView({block:"nearest"})}setMode(e){this.mode=e.target.value}renderReasons(e){if(!e?.length)return d;let t=["DECLARED_SKILL","ENDORSED","INTEREST","JOB_TITLE","DEPARTMENT","WROTE_DOCUMENTS"],i=e.slice(0,3).map(s=>`${this.t(`people-finder.reason.${t.includes(s.kind)?s.kind:"other"}`)}: ${s.detail}`).join("; ");return c`<span class="reasons" part="reasons">${i}</span>`}render(){let e=this.open&&this.results.length>0,t=this.experts?"experts":"people";return c`<div part="finder" role="search" aria-label=${this.t("people-finder.label")}>
      <fieldset part="modes">
        <legend>${this.t("people-finder.mode")}</legend>
        ${["people","experts"].map(i=>c`<label><input type="radio" name="mode" value=${i} .checked=${t===i}
            @change=${this.setMode} />${this.t(`people-finder.mode.${i}`)}</label>`)}
      </fieldset>
      <label for="input" part="label">${this.t(`people-finder.input.${t}`)}</label>
      <input id="input" part="input" type="text" role="combobox" autocomplete="off" spellcheck="false"
        aria-autocomplete="list" aria-controls="listbox" aria-expanded=${String(e)}
        aria-activedescendant=${e&&this.active>=0?`option-${this.active}`:d}
        .value=${this.text} @input=${this.onInput} @keydown=${this.onKeydown} />
      <ul id="listbox" role="listbox" part="listbox" ?hidden=${!e}
        aria-label=${this.t(`people-finder.results.${t}`,{topic:this.text.trim()})}>
        ${this.results.map((i,s)=>c`<li role="option" id="option-${s}" part="option" aria-selected=${String(s===this.active)}
            @mousedown=${n=>n.preventDefault()} @click=${()=>this.choose(s)}>
            <span class="name" part="option-name">${i.displayName}</span>
            <span class="title" part="option-title">${[i.title,i.department].filter(Boolean).join(" · ")}</span>
            ${this.renderReasons(i.reasons)}
          </li>`)}
      </ul>
      <p class="announcement" part="announcement" role="status">${this.status==="error"?"":this.announcement}</p>
      ${this.status==="error"?this.renderStatus():d}
    </div>`}};k("townhall-people-finder",Qe);var Ze=class extends b{static properties={person:{type:String},headingLevel:{type:Number,attribute:"heading-level"},data:{state:!0},busy:{state:!0},actionError:{state:!0},photoFailed:{state:!0}};static styles=[b.styles,$`
      .card {
        border: 1px solid var(--th-border);
        border-radius: var(--th-radius);
        padding: calc(var(--th-space) * 2);
        background: var(--th-background);
      }
      .header {
        display: flex;
        gap: calc(var(--th-space) * 2);
        align-items: center;
      }
      .photo,
      .initials {
        width: 64px;
        height: 64px;
        border-radius: 50%;
        flex: none;
        object-fit: cover;
      }
      .initials {
        display: grid;
        place-items: center;
        background: var(--th-surface);
        color: var(--th-text);
        font-weight: 700;
        font-size: 1.25rem;
      }
      .name {
        margin: 0;
        font-size: 1.25rem;
        font-weight: 700;
      }
      .header p {
        margin: 0;
      }
      .title {
        color: var(--th-text);
      }
      .team {
        color: var(--th-muted);
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: calc(var(--th-space) / 2) calc(var(--th-space) * 2);
        margin: calc(var(--th-space) * 2) 0;
      }
      dt {
        color: var(--th-muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .actions {
        display: flex;
        align-items: center;
        gap: var(--th-space);
        flex-wrap: wrap;
      }
      .activity {
        margin: calc(var(--th-space) * 2) 0 0;
        padding-top: var(--th-space);
        border-top: 1px solid var(--th-border);
      }
    `];constructor(){super(),this.person="",this.headingLevel=2,this.data=null,this.busy=!1,this.actionError=null,this.photoFailed=!1}willUpdate(e){super.willUpdate(e),e.has("person")&&e.get("person")!==void 0&&this.reload()}async reload(){this.actionError=null;let e=await this.track(Jt(this.person).then(t=>this.query("PersonCard",t)));if(e!==v){if(!e.person){this.status="error",this.error={code:"NOT_FOUND"},this.emit("error",{code:"NOT_FOUND",operation:"PersonCard"});return}this.photoFailed=!1,this.data=e}}select(e,t){this.emit("person-selected",{id:t.id})||e.preventDefault()}async toggleFollow(){let e=this.data.person,t=!e.viewerIsFollowing;this.busy=!0,this.actionError=null;try{let i=t?"FollowPerson":"UnfollowPerson",s=await this.query(i,{id:e.id}),n=s.followPerson??s.unfollowPerson;if(n?.__typename!=="FollowSuccess"){this.actionError=n?.message||this.t("core.error.other");return}this.data={...this.data,person:{...e,...n.person}},this.emit("follow-changed",{id:e.id,following:n.person.viewerIsFollowing})}catch(i){this.actionError=this.errorMessage(i)}finally{this.busy=!1}}photoSrc(e){return new URL(e.photoUrl,new URL(this.endpoint||_().endpoint,document.baseURI)).href}renderPersonLink(e,t){let i=K(this,e);return i?c`<a part=${t} href=${i} @click=${s=>this.select(s,e)}>${e.displayName}</a>`:c`<button type="button" class="link" part=${t} @click=${s=>this.select(s,e)}>
          ${e.displayName}
        </button>`}renderDetail(e,t,i=d){return t==null||t===""?d:c`<dt>${this.t(`person-card.${e}`)}</dt>
      <dd part=${i}>${t}</dd>`}render(){let e=this.data?.person;if(!e||this.status==="error")return this.renderStatus();let t=e.employment??{},i=t.jobTitle||e.title,s=t.department||e.department,n=t.workLocation||[e.office,e.locality].filter(Boolean).join(", "),o=this.data.me?.id===e.id,a=e.activity?.nodes?.[0],l=Math.min(6,Math.max(1,Number(this.headingLevel)||2));return c`<article class="card" part="card" aria-labelledby="name">
      <div class="header" part="header">
        ${this.photoFailed||!e.photoUrl?c`<span class="initials" part="initials" aria-hidden="true">${Qt(e.displayName)}</span>`:c`<img class="photo" part="photo" src=${this.photoSrc(e)} alt="" width="64" height="64"
              @error=${()=>this.photoFailed=!0} />`}
        <div>
          <p class="name" part="name" id="name" role="heading" aria-level=${l}>${e.displayName}</p>
          ${i?c`<p class="title" part="title">${i}</p>`:d}
          ${s?c`<p class="team" part="team">${s}</p>`:d}
          ${e.isActive===!1?c`<p class="muted">${this.t("person-card.leaver")}</p>`:d}
        </div>
      </div>
      <dl part="details">
        ${e.manager?c`<dt>${this.t("person-card.manager")}</dt>
              <dd>${this.renderPersonLink(e.manager,"manager")}</dd>`:d}
        ${this.renderDetail("email",e.mail&&c`<a part="contact" href="mailto:${e.mail}">${e.mail}</a>`)}
        ${this.renderDetail("telephone",e.telephone&&c`<a part="contact" href="tel:${e.telephone.replace(/\s+/g,"")}">${e.telephone}</a>`)}
        ${this.renderDetail("mobile",e.mobile&&c`<a part="contact" href="tel:${e.mobile.replace(/\s+/g,"")}">${e.mobile}</a>`)}
        ${this.renderDetail("workingPattern",t.workingPattern,"employment")}
        ${this.renderDetail("workStyle",t.workStyle,"employment")}
        ${this.renderDetail("location",n,"employment")}
      </dl>
      <div class="actions">
        ${o?d:c`<button type="button" part="follow" class=${e.viewerIsFollowing?"":"primary"}
              ?disabled=${this.busy} @click=${this.toggleFollow}>
              ${this.t(e.viewerIsFollowing?"person-card.unfollow":"person-card.follow")}<span
                class="visually-hidden"> ${e.displayName}</span>
            </button>`}
        <span class="muted" part="followers">${this.t("person-card.followers",{count:e.followerCount})}</span>
      </div>
      ${this.actionError?c`<p class="error" part="error" role="alert">${this.actionError}</p>`:d}
      <p class="activity" part="activity">
        ${a?c`<span class="muted">${this.t("person-card.lastActivity")}</span> ${a.summary}
              <time datetime=${a.createdAt}>(${we(this.language,a.createdAt)})</time>`:c`<span class="muted">${this.t("person-card.noActivity")}</span>`}
      </p>
    </article>`}};k("townhall-person-card",Ze);var Li="1.0.0";"townhall"in window||Object.defineProperty(window,"townhall",{value:Object.freeze({configure:xt,config:_,version:Li})});export{_ as config,xt as configure,Li as version};
