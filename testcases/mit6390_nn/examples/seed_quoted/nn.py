"""The student code quoted in seed 002 (MIT 6.390 "Neural Networks", section 5), as a
submission.

Every method body is the student's answer as the seed shows it ("# Your code" lines,
dReLU_dz from 2.1.1, Sequential.sgd from 5.4), unchanged; the given template code
(Module, Linear.__init__, Sequential's forward, backward, sgd_step, print_accuracy) is
the course's. Only the NumPy import is added: the seed shows none. Nothing was missing
to complete. Known bug, kept: ReLU.backward multiplies by ones unless the whole batch of
activations is zero, so it passes gradients through dead units.

The code is kept as quoted, so lint findings on its style are silenced file-wide below.
"""

# ruff: noqa: E501, E701, B007, F841, RUF059

import numpy as np


# We recommend looking at the ReLU plot for better understanding.
def dReLU_dz(z):
    d = [0 if i<=0 else 1 for i in z]
    return np.array([d]).T


class Module:
    def sgd_step(self, lrate): pass # For modules w/o weights


class Linear(Module):
    def __init__(self, m, n):
        # initializes the weights randomly and offsets as 0
        self.m, self.n = (m, n) # (in size, out size)
        self.W0 = np.zeros([self.n, 1]) # (n x 1)
        self.W = np.random.normal(0, 1.0 * m ** (-.5), [m, n]) # (m x n)

    def forward(self, A):
        # store the input matrix for future use
        self.A = A # (m x b) Hint: make sure you understand what b stands for
        return self.W.T @ A + self.W0

    def backward(self, dLdZ):
        # dLdZ is (n x b), uses stored self.A
        # store the derivatives for use in sgd_step and return dLdA
        self.dLdW = self.A @ dLdZ.T # Your code
        self.dLdW0 = dLdZ.sum(axis=1).reshape((self.n, 1)) # Your code
        return self.W @ dLdZ # Your code: return dLdA (m x b)

    def sgd_step(self, lrate): # Gradient descent step
        self.W -= lrate*(self.dLdW) # Your code
        self.W0 -= lrate*(self.dLdW0) # Your code


class Tanh(Module):           # Layer activation
    def forward(self, Z):
        self.A = np.tanh(Z)          # Your code
        return self.A

    def backward(self, dLdA):    # Uses stored self.A
        return dLdA * (1 - np.tanh(np.arctanh(self.A))**2)      # Your code: return dLdZ


class ReLU(Module):           # Layer activation
    def forward(self, Z):
        self.A = np.maximum(0, Z)          # Your code
        return self.A

    def backward(self, dLdA):    # uses stored self.
        return dLdA*np.zeros([1,self.A.shape[1]]) if np.sum(self.A) == 0 else dLdA*np.ones([1,self.A.shape[1]])
        # Your code: return dLdZ


class SoftMax(Module):           # Output activation
    def forward(self, Z):
        return (np.exp(Z)/np.sum(np.exp(Z), axis = 0))      # Your code

    def backward(self, dLdZ):    # Assume that dLdZ is passed in
        return dLdZ

    def class_fun(self, Ypred):
        # Returns the index of the most likely class for each point as vector of shape (b,)
        return np.argmax(Ypred, axis=0)                      # Your code


class NLL(Module):      # Loss
    def forward(self, Ypred, Y):
        # returns loss as a float
        self.Ypred = Ypred
        self.Y = Y
        return -np.sum(Y*np.log(Ypred))      # Your code

    def backward(self): # Use stored self.Ypred, self.Y
        # note, this is the derivative of loss with respect to the input of softmax
        return self.Ypred - self.Y      # Your code


class Sequential:
    def __init__(self, modules, loss):           # List of modules, loss module
        self.modules = modules
        self.loss = loss

    def sgd(self, X, Y, iters=100, lrate=0.005): # Train
        D, N = X.shape
        for it in range(iters):
            i = np.random.randint(X.shape[1])
            x, y = X[:,i:i+1], Y[:, i:i+1]
            Ypred = self.forward(x)
            total_loss = self.loss.forward(Ypred, y)
            dz = self.loss.backward()
            self.backward(dz)
            self.sgd_step(lrate)

    def forward(self, Xt):                      # Compute Ypred
        for m in self.modules: Xt = m.forward(Xt)
        return Xt

    def backward(self, delta):                  # Update dLdW and dLdW0
        # Note reversed list of modules
        for m in self.modules[::-1]: delta = m.backward(delta)

    def sgd_step(self, lrate):                  # Gradient descent step
        for m in self.modules: m.sgd_step(lrate)

    def print_accuracy(self, it, X, Y, cur_loss, every=250):
        # Utility method to print accuracy on full dataset, should
        # improve over time when doing SGD. Also prints COURSE/questions/nn loss,
        # which should decrease over time. Call this on each iteration
        # of SGD!
        if it % every == 1:
            cf = self.modules[-1].class_fun
            acc = np.mean(cf(self.forward(X)) == cf(Y))
            print('Iteration =', it, ' Acc =', acc, ' Loss =', cur_loss)
